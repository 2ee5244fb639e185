/** The rows of people (users, access keys) that the CLI's and the dashboard's documents share (people.graphql). */
export type { AccessKeyRowFragment as AccessKeyRow, UserRowFragment as UserRow } from "../generated/graphql.js";
