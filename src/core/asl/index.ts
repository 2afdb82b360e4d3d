/** Amazon States Language: validation, the transition function, and an in-memory runner. */
export type { Environment, ExecutionInfo, Position } from './context.ts';
export {
  STATE_TYPES,
  type AslState,
  nestedMachine,
  type QueryLanguage,
  queryLanguageOf,
  type StateMachineDefinition,
  type StateType,
  usesJsonata,
} from './definition.ts';
export { type Json, type JsonObject, StatesErrors, StatesFailure } from './errors.ts';
export { errorMatches, decideRetry, retryDelaySeconds, type Retrier, type Catcher } from './retry.ts';
export { completeState, enterState, failState, inStateCause, type Step } from './step.ts';
export {
  type ExecutionResult,
  type HistoryEvent,
  type RunOptions,
  oversize,
  runExecution,
  type TaskRequest,
  type TaskResolver,
  UnsupportedDefinitionError,
} from './run.ts';
export { type Diagnostic, DiagnosticCodes, invalidDefinitionMessage, validateDefinition, validateDefinitionText } from './validate.ts';
export { activityMissing, activityOf, type ActivityRef, isActivityResource } from './activity.ts';
export {
  activityScheduledEvent,
  activityStartedEvent,
  taskEndEventType,
  type EventDraft,
  enteredEvent,
  type HistoryEventType,
  mapEndEvents,
  stateEventType,
  stepEvents,
} from './history.ts';
export { isLambdaResource, type LambdaCall, lambdaCallOf, lambdaNotFound, type LambdaOutcome, lambdaResultOf } from './lambda-task.ts';
export { exceedsTolerance, type IterationOutcome, mapResult, type Tolerance } from './map.ts';
export {
  abortedCounts,
  childMachineDefinition,
  isDistributed,
  MAP_RUN_STATUSES,
  type MapRunConfig,
  type MapRunCounts,
  mapRunConfig,
  mapRunCounts,
  mapRunPlan,
  type MapRunRef,
  type MapRunStatus,
  type MapRunUpdate,
  mapRunUpdateProblem,
  updatedTolerance,
} from './map-run.ts';
export { stateOf, type Variables } from './step.ts';
export {
  athenaManifestFiles,
  CSV_DELIMITERS,
  csvRows,
  type ItemReadRequest,
  inventoryItems,
  inventoryManifest,
  isListing,
  itemReaderFailure,
  itemReadRequest,
  type ListedObject,
  listingItems,
  type ObjectSource,
  parquetItems,
  parseItems,
  parseObject,
  readItemsFrom,
} from './item-reader.ts';
export {
  childIndex,
  childName,
  childRunPrefix,
  executionRecord,
  exportResults,
  type IterationRecord,
  type MapEnd,
  mapEnd,
  mapOutcome,
  type MapRun,
  mapRunOf,
  type ResultFile,
  type ResultWriteRequest,
  resultWriterFailure,
  runFolder,
  transformResults,
  type WriteOutcome,
  type WriterPlan,
  writerPlan,
} from './result-writer.ts';
export {
  enteredTimeOf,
  executionFromContext,
  INSPECTION_LEVELS,
  type InspectionLevel,
  locateState,
  type Located,
  MOCK_VALIDATION_MODES,
  type MockValidationMode,
  type StateMock,
  type StateUnderTest,
  TEST_STATE_NAME,
  TEST_STATUSES,
  type TestStateAsk,
  testStateProblem,
  type TestStatus,
} from './test-state.ts';
export { type ErrorDetails, type Inspection, runTestState, type TestStateOutcome, type TestStateRun } from './test-state-run.ts';
