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
  /** A number, or in a JSONata state a `{% %}` expression (as Seconds, MaxConcurrency and the tolerances). */
  TimeoutSeconds?: number | string;
  TimeoutSecondsPath?: string;
  HeartbeatSeconds?: number | string;
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

/** True when a definition or any state in it asks for JSONata. */
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

export type QueryLanguage = 'JSONPath' | 'JSONata';

/** A state's query language: its own QueryLanguage, else its state machine's, else JSONPath. */
export function queryLanguageOf(machine: StateMachineDefinition, state: AslState): QueryLanguage {
  return state.QueryLanguage ?? machine.QueryLanguage ?? 'JSONPath';
}

const inherited = new WeakMap<StateMachineDefinition, StateMachineDefinition>();

/**
 * A Parallel branch or Map ItemProcessor as its parent machine runs it: without a QueryLanguage
 * of its own it takes the parent machine's (not the Parallel's or Map's own: measured on AWS),
 * written into the copy so that the nested runner, which sees only the nested machine, knows it.
 */
export function nestedMachine(parent: StateMachineDefinition, nested: StateMachineDefinition): StateMachineDefinition {
  if (nested.QueryLanguage !== undefined || parent.QueryLanguage !== 'JSONata') return nested;
  let copy = inherited.get(nested);
  if (!copy) {
    copy = { ...nested, QueryLanguage: 'JSONata' };
    inherited.set(nested, copy);
  }
  return copy;
}
