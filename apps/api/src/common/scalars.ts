import { DateTimeResolver, JSONResolver } from "graphql-scalars";

export const DateTime = DateTimeResolver;
export const JSONScalar = JSONResolver;
