import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL here; both drivers apply it at start-up (see src/migrate.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema.ts",
  out: "./drizzle",
});
