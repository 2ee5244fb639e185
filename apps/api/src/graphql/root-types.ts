import type { GraphQLSchema } from "graphql";

/**
 * type-graphql builds Query, Mutation and Subscription itself and takes no description for
 * them; the schema describes every type (schema-descriptions.test.ts), so they get one here.
 */
export function describeRootTypes(schema: GraphQLSchema): GraphQLSchema {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query) query.description = "What can be read. Every field needs a credential, except signInOptions.";
  if (mutation)
    mutation.description = "What can be changed. Every field needs a credential, except signIn; a read-only access key may use none.";
  if (subscription) {
    subscription.description = "What can be watched, over a WebSocket (graphql-ws). Event streams resume from a cursor given as `after`.";
  }
  return schema;
}
