/** The shape of an Amazon States Language definition, as far as the interpreter reads it. */
import type { Json, JsonObject } from './errors.ts';
import type { Catcher, Retrier } from './retry.ts';

export const STATE_TYPES = ['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'] as const;
export type StateType = (typeof STATE_TYPES)[number];

export interface StateMachineDefinition {
  StartAt: string;
  States: Record<string, AslState>;
  Comment?: string;
  Version?: string;
  TimeoutSeconds?: number;
  QueryLanguage?: 'JSONPath' | 'JSONata';
  ProcessorConfig?: JsonObject;
}

export interface AslState {
  Type: StateType;
  Comment?: string;
  QueryLanguage?: 'JSONPath' | 'JSONata';
  Next?: string;
  End?: boolean;
  InputPath?: string | null;
  OutputPath?: string | null;
  Parameters?: Json;
  ResultSelector?: Json;
  ResultPath?: string | null;
  Result?: Json;
  Assign?: Json;
  Arguments?: Json;
  Output?: Json;
  Retry?: Retrier[];
  Catch?: Catcher[];
  // Choice
  Choices?: JsonObject[];
  Default?: string;
  // Wait
  Seconds?: number | string;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  // Fail
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
  // Task
  Resource?: string;
  TimeoutSeconds?: number;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number;
  HeartbeatSecondsPath?: string;
  Credentials?: Json;
  // Parallel
  Branches?: StateMachineDefinition[];
  // Map
  ItemsPath?: string;
  Items?: Json;
  ItemSelector?: Json;
  ItemProcessor?: StateMachineDefinition;
  Iterator?: StateMachineDefinition;
  ItemReader?: JsonObject;
  ItemBatcher?: JsonObject;
  ResultWriter?: JsonObject;
  MaxConcurrency?: number | string;
  MaxConcurrencyPath?: string;
  ToleratedFailurePercentage?: number | string;
  ToleratedFailurePercentagePath?: string;
  ToleratedFailureCount?: number | string;
  ToleratedFailureCountPath?: string;
  Label?: string;
}

/** True when a definition or any state in it asks for JSONata, which this engine does not evaluate yet. */
export function usesJsonata(definition: StateMachineDefinition): boolean {
  if (definition.QueryLanguage === 'JSONata') return true;
  return Object.values(definition.States ?? {}).some(
    (s) =>
      s.QueryLanguage === 'JSONata' ||
      (s.Branches ?? []).some(usesJsonata) ||
      (s.ItemProcessor !== undefined && usesJsonata(s.ItemProcessor)) ||
      (s.Iterator !== undefined && usesJsonata(s.Iterator)),
  );
}
