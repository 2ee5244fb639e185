import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "uplot/dist/uPlot.min.css";
import "./globals.css";

export const metadata: Metadata = { title: "Pergola", description: "Pergola: Projects, Stages, Releases and Outposts, live." };
export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
