/** Routing-as-code: rule examples (`switchboard rules test`) and routing diffs between configs (`switchboard rules diff`). */
export {
  exampleInput,
  outcomeOf,
  routeInput,
  testRuleExamples,
  type ExampleExpectation,
  type ExampleResult,
  type RoutingOutcome,
} from './examples.js';
export { diffRouting, DiffInputError, type DiffOptions, type RoutingChange } from './diff.js';
