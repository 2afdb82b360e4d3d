/** Types of workflow-graph.js, the dashboard's workflow logic without the DOM (for tsc and the tests). */

export interface GraphNode {
  name: string;
  /** Unique in the whole graph: "A", "Par/0/A" (branch 0 of Par), "Map/*\/A" (Map's processor). */
  path: string;
  type: string;
  /** End: true, a Succeed or a Fail state: an edge to the End marker. */
  end: boolean;
  /** The state's definition, as written. */
  state: Record<string, unknown>;
  branches?: Graph[];
  processor?: Graph;
}

export type EdgeKind = 'next' | 'choice' | 'default' | 'catch' | 'start' | 'end';

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label: string;
}

export interface Graph {
  startAt: string | null;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function graphOf(definition: unknown, prefix?: string): Graph;
export function nodeAt(graph: Graph, path: string): GraphNode | null;
export function rowsOf(graph: Graph): string[][];

export interface Sizes {
  nodeW: number;
  nodeH: number;
  gapX: number;
  gapY: number;
  pad: number;
  head: number;
  marker: number;
}
export const SIZES: Sizes;

export interface PlacedNode {
  path: string;
  name: string;
  type: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Drawn as a group with its branches or processor inside. */
  group: boolean;
  /** A Parallel or Map: it has insides to show or hide. */
  nested: boolean;
}

export interface Layout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: (GraphEdge & { d: string })[];
  markers: { kind: 'start' | 'end'; x: number; y: number; r: number }[];
}

export function layout(graph: Graph, expanded?: (path: string) => boolean, sizes?: Sizes): Layout;

export type StateStatus = 'not-run' | 'running' | 'succeeded' | 'caught' | 'failed' | 'aborted';
export const STATE_STATUSES: StateStatus[];

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  type: string;
  timestamp: string;
  details: Record<string, unknown> | null;
}

export interface Entry {
  name: string;
  type: string;
  node: GraphNode | null;
  status: Exclude<StateStatus, 'not-run'>;
  input: unknown;
  output: unknown;
  error: string | null;
  cause: string | null;
  enteredAt: string;
  exitedAt: string | null;
  /** TaskScheduled events of this entry: 1 + its retries. */
  attempts: number;
  failedLast: boolean;
  parameters?: unknown;
  resource?: string;
  branches: Thread[];
  /** Sparse: by iteration index. */
  iterations: Thread[];
  /** A Map's item count (MapStateStarted). */
  items: number | null;
}

export interface Thread {
  kind: 'root' | 'branch' | 'iteration';
  index: number;
  graph: Graph | null;
  status: 'running' | 'succeeded' | 'failed' | 'aborted';
  error: string | null;
  cause: string | null;
  states: Record<string, Entry[]>;
  current: Entry | null;
  last: Entry | null;
  input?: unknown;
  output?: unknown;
  startedAt?: string;
  stoppedAt?: string;
}

export function runOf(events: HistoryEvent[], graph?: Graph): Thread;

export interface IterationCounts {
  total: number;
  running: number;
  succeeded: number;
  failed: number;
  aborted: number;
  pending: number;
}
export function iterationCounts(entry: Entry): IterationCounts;

export interface StateView {
  status: StateStatus;
  entry: Entry | null;
  /** How many times the state was entered in this thread. */
  entries: number;
  counts?: IterationCounts;
  iteration?: number;
}
export function statusesOf(graph: Graph, run: Thread | null, iterations?: Map<string, number>): Map<string, StateView>;

export function lastEventId(events: HistoryEvent[]): number | null;
