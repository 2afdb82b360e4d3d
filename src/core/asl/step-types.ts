/** What the transition function answers (step.ts, step-jsonata.ts). */
import type { StateMachineDefinition } from './definition.ts';
import type { Json } from './errors.ts';
import type { ItemReadRequest } from './item-reader.ts';
import type { Tolerance } from './map.ts';
import type { MapRunRef } from './map-run.ts';
import type { WriterPlan } from './result-writer.ts';

export type Variables = Readonly<Record<string, Json>>;

export type Step =
  | { kind: 'next'; next: string; output: Json; variables: Variables }
  | { kind: 'succeed'; output: Json; variables: Variables }
  | { kind: 'fail'; error: string; cause: string | undefined }
  /** A Wait state: resume with `after` once the clock reaches `untilMs`. */
  | { kind: 'wait'; untilMs: number; after: Step }
  /** Run the same state again, with the same input, after `delaySeconds`. */
  | { kind: 'retry'; delaySeconds: number; retryCounts: number[]; error: string; cause: string | undefined }
  /** Run a Task's resource; the runner (or its resolver) fails it with States.Timeout past timeoutSeconds. */
  | {
      kind: 'task';
      resource: string;
      parameters: Json;
      context: Json;
      timeoutSeconds: number | undefined;
      heartbeatSeconds: number | undefined;
    }
  | { kind: 'parallel'; branches: { definition: StateMachineDefinition; input: Json }[] }
  /** A Map's ItemReader: read the items, then enter the state again with them (Position.readItems). */
  | { kind: 'read-items'; request: ItemReadRequest }
  /** A Map's iterations; `writer`: its ResultWriter (the results shaped, or exported, as mapEnd
   *  decides); `mapRun`: a Distributed Map's Map Run (null: an Inline Map). */
  | {
      kind: 'map';
      processor: StateMachineDefinition;
      inputs: Json[];
      maxConcurrency: number;
      tolerance: Tolerance;
      writer: WriterPlan | null;
      mapRun: MapRunRef | null;
    };
