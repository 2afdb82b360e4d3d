/**
 * Definition checks of a Distributed Map's ItemReader and ResultWriter. An ItemReader (AWS,
 * input-output-itemreader): Resource s3:getObject or s3:listObjectsV2, Parameters (Arguments in
 * JSONata), and a ReaderConfig whose fields and values are AWS's — InputType, CSVHeaderLocation
 * and CSVHeaders, CSVDelimiter, ManifestType, Transformation, MaxItems or MaxItemsPath — in
 * combinations AWS documents. A ResultWriter (input-output-resultwriter): "cannot be empty" —
 * WriterConfig alone, Resource with Parameters (Arguments in JSONata), or all three; the Resource
 * is s3:putObject.
 */
import { isObject, type Json, type JsonObject } from './errors.ts';
import {
  CSV_DELIMITERS,
  INPUT_TYPES,
  type InputType,
  MANIFEST_TYPES,
  type ManifestType,
  READER_TRANSFORMATIONS,
  readerShapeProblem,
} from './item-reader.ts';
import { isExpression } from './jsonata.ts';
import { pathProblem, templateProblems } from './validate-fields.ts';
import { languageFieldMessage, type Problem } from './validate-jsonata.ts';

const READER_RESOURCE = /^arn:aws[a-zA-Z-]*:states:::s3:(getObject|listObjectsV2)$/;
const WRITER_RESOURCE = /^arn:aws[a-zA-Z-]*:states:::s3:putObject$/;

const WRITER_CONFIG: Readonly<Record<string, readonly string[]>> = {
  Transformation: ['NONE', 'COMPACT', 'FLATTEN'],
  OutputType: ['JSON', 'JSONL'],
};

/** ReaderConfig's fields of a fixed set of values. */
const READER_ENUMS: Readonly<Record<string, readonly string[]>> = {
  InputType: INPUT_TYPES,
  CSVHeaderLocation: ['FIRST_ROW', 'GIVEN'],
  CSVDelimiter: Object.keys(CSV_DELIMITERS),
  ManifestType: MANIFEST_TYPES,
  Transformation: READER_TRANSFORMATIONS,
};

/** A config object's fields: each known, each of a fixed set in its set (AWS's words); `others` are checked by the caller. */
function configProblems(
  config: Json,
  enums: Readonly<Record<string, readonly string[]>>,
  others: readonly string[],
  at: string,
): Problem[] {
  if (!isObject(config)) return [{ at, message: `The field '${at.slice(at.lastIndexOf('/') + 1)}' must be an object` }];
  const out: Problem[] = [];
  for (const [key, v] of Object.entries(config)) {
    const allowed = enums[key];
    if (!allowed) {
      if (!others.includes(key)) out.push({ at: `${at}/${key}`, message: `Field ${key} not allowed.` });
    } else if (typeof v !== 'string' || !allowed.includes(v))
      out.push({ at: `${at}/${key}`, message: `The value for the field '${key}' must be one of: ${allowed.join(', ')}` });
  }
  return out;
}

export function itemReaderProblems(reader: Json, at: string, jsonata: boolean): Problem[] {
  if (!isObject(reader)) return [{ at, message: "The field 'ItemReader' must be an object" }];
  const params = jsonata ? 'Arguments' : 'Parameters';
  const out = fieldProblems(reader, at, jsonata, 'ReaderConfig');
  const resource = reader.Resource;
  if (resource === undefined) out.push({ at, message: 'These fields are required: [Resource]' });
  else if (typeof resource !== 'string' || !READER_RESOURCE.test(resource))
    out.push({
      at: `${at}/Resource`,
      message: "The ItemReader's Resource must be arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2",
      code: 'INVALID_RESOURCE',
    });
  out.push(...argumentProblems(reader[params], `${at}/${params}`, jsonata));
  if (reader.ReaderConfig === undefined) return out;
  const where = `${at}/ReaderConfig`;
  const config = reader.ReaderConfig;
  out.push(...configProblems(config, READER_ENUMS, ['CSVHeaders', 'MaxItems', 'MaxItemsPath'], where));
  if (!isObject(config)) return out;
  if (config.MaxItems !== undefined) {
    const n = config.MaxItems;
    const ok = (typeof n === 'number' && Number.isInteger(n) && n >= 0) || (jsonata && isExpression(n));
    if (!ok)
      out.push({
        at: `${where}/MaxItems`,
        message: `The field 'MaxItems' must be a non-negative integer${jsonata ? ' or a JSONata expression' : ''}`,
      });
  }
  if (config.MaxItemsPath !== undefined) {
    const p = jsonata ? languageFieldMessage('MaxItemsPath', 'JSONata') : pathProblem(config.MaxItemsPath);
    if (p) out.push({ at: `${where}/MaxItemsPath`, message: jsonata ? p : `The field 'MaxItemsPath' ${p}` });
  }
  const headers = config.CSVHeaders;
  if (headers !== undefined && (!Array.isArray(headers) || !headers.every((h) => typeof h === 'string')))
    out.push({ at: `${where}/CSVHeaders`, message: "The field 'CSVHeaders' must be an array of strings" });
  if (config.CSVHeaderLocation === 'GIVEN' && headers === undefined)
    out.push({ at: where, message: "CSVHeaderLocation 'GIVEN' needs the field 'CSVHeaders'" });
  const known = <T extends string>(values: readonly T[], v: Json | undefined) => (values.includes(v as T) ? (v as T) : undefined);
  const shape = readerShapeProblem(
    known<InputType>(INPUT_TYPES, config.InputType),
    known<ManifestType>(MANIFEST_TYPES, config.ManifestType),
    config.Transformation === 'LOAD_AND_FLATTEN',
    typeof resource === 'string' && resource.endsWith(':listObjectsV2'),
  );
  if (shape) out.push({ at: where, message: shape });
  return out;
}

export function resultWriterProblems(writer: Json, at: string, jsonata: boolean): Problem[] {
  if (!isObject(writer)) return [{ at, message: "The field 'ResultWriter' must be an object" }];
  const params = jsonata ? 'Arguments' : 'Parameters';
  const out = fieldProblems(writer, at, jsonata, 'WriterConfig');
  const resource = writer.Resource !== undefined;
  const destination = writer[params] !== undefined;
  if (resource !== destination || (!resource && writer.WriterConfig === undefined))
    out.push({ at, message: `The ResultWriter field cannot be empty: it needs WriterConfig, or Resource and ${params}, or all three` });
  if (resource && (typeof writer.Resource !== 'string' || !WRITER_RESOURCE.test(writer.Resource)))
    out.push({
      at: `${at}/Resource`,
      message: "The ResultWriter's Resource must be arn:aws:states:::s3:putObject",
      code: 'INVALID_RESOURCE',
    });
  out.push(...argumentProblems(writer[params], `${at}/${params}`, jsonata));
  if (writer.WriterConfig !== undefined) out.push(...configProblems(writer.WriterConfig, WRITER_CONFIG, [], `${at}/WriterConfig`));
  return out;
}

/** A reader's or writer's own fields: Resource, Parameters (Arguments in JSONata) and its config. */
function fieldProblems(o: JsonObject, at: string, jsonata: boolean, config: string): Problem[] {
  const out: Problem[] = [];
  const params = jsonata ? 'Arguments' : 'Parameters';
  for (const key of Object.keys(o)) {
    if (key === (jsonata ? 'Parameters' : 'Arguments'))
      out.push({ at: `${at}/${key}`, message: languageFieldMessage(key, jsonata ? 'JSONata' : 'JSONPath') });
    else if (key !== 'Resource' && key !== params && key !== config) out.push({ at: `${at}/${key}`, message: `Field ${key} not allowed.` });
  }
  return out;
}

/** Parameters are a payload template; Arguments' expressions are checked with the state's (validate-jsonata.ts). */
function argumentProblems(args: Json | undefined, at: string, jsonata: boolean): Problem[] {
  if (args === undefined) return [];
  if (!isObject(args)) return [{ at, message: `The field '${at.slice(at.lastIndexOf('/') + 1)}' must be an object` }];
  return jsonata ? [] : templateProblems(args, at);
}
