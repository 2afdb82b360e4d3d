/**
 * Settings of Step Functions' that Hangar does not model: executions logged to CloudWatch Logs,
 * X-Ray tracing, a customer-managed KMS key. Each is taken at its off value — what an account
 * that does not use the feature has, and what Terraform's provider sends back once it has read
 * it — and refused otherwise (ValidationException naming it), never dropped. The reads report
 * the off values, as Step Functions does for such an account.
 */
import { field, validation } from './shapes.ts';

export const LOGGING_OFF = { level: 'OFF', includeExecutionData: false } as const;
export const TRACING_OFF = { enabled: false } as const;
export const AWS_OWNED_KEY = { type: 'AWS_OWNED_KEY' } as const;

/** A member that is an object, or absent (undefined). */
function objectOf(body: Record<string, unknown>, name: string): Record<string, unknown> | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw validation(`${name} must be an object`);
  return v as Record<string, unknown>;
}

/** encryptionConfiguration: AWS_OWNED_KEY (or absent), no key of the caller's. */
export function checkEncryption(body: Record<string, unknown>): void {
  const c = objectOf(body, 'encryptionConfiguration');
  if (!c) return;
  const type = field.string(c, 'type');
  const why = 'Hangar uses no KMS keys of its callers (AWS_OWNED_KEY, what it reports, is taken)';
  if (type !== undefined && type !== AWS_OWNED_KEY.type)
    throw validation(`encryptionConfiguration.type ${type.slice(0, 40)} is not supported by Hangar: ${why}`);
  for (const name of ['kmsKeyId', 'kmsDataKeyReusePeriodSeconds'])
    if (c[name] !== undefined && c[name] !== null) throw validation(`encryptionConfiguration.${name} is not supported by Hangar: ${why}`);
}

/** loggingConfiguration (level OFF, no execution data, no destinations), tracingConfiguration
 *  (enabled false) and encryptionConfiguration of CreateStateMachine and UpdateStateMachine. */
export function checkMachineSettings(body: Record<string, unknown>): void {
  const logging = objectOf(body, 'loggingConfiguration');
  if (logging) {
    const logs = 'executions are not logged to CloudWatch Logs (their history is GetExecutionHistory)';
    const level = field.string(logging, 'level');
    if (level !== undefined && level !== LOGGING_OFF.level)
      throw validation(`loggingConfiguration.level ${level.slice(0, 40)} is not supported by Hangar: ${logs}; give OFF`);
    if (field.boolean(logging, 'includeExecutionData'))
      throw validation(`loggingConfiguration.includeExecutionData is not supported by Hangar: ${logs}`);
    const destinations = logging.destinations;
    if (destinations !== undefined && destinations !== null && !Array.isArray(destinations))
      throw validation('loggingConfiguration.destinations must be a list');
    if (Array.isArray(destinations) && destinations.length > 0)
      throw validation(`loggingConfiguration.destinations is not supported by Hangar: ${logs}`);
  }
  const tracing = objectOf(body, 'tracingConfiguration');
  if (tracing && field.boolean(tracing, 'enabled'))
    throw validation('tracingConfiguration.enabled is not supported by Hangar: it has no X-Ray tracing');
  checkEncryption(body);
}
