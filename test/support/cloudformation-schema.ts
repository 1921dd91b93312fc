import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { Json, Template } from '@msk-patterns/serverless-plugin';

/**
 * Checks a template against the CloudFormation resource specification that AWS CDK builds from the
 * CloudFormation registry schemas (@aws-cdk/aws-service-spec): every resource type exists, every
 * property is known with a value of its type (nested structures included), every required property is
 * given. Values built with intrinsic functions are accepted as they are (CloudFormation resolves them).
 */
interface PropertyType {
  type: string;
  element?: PropertyType;
  types?: PropertyType[];
  reference?: { $ref: string };
}
interface PropertySpec {
  type: PropertyType;
  required?: boolean;
}

type Spec = Awaited<ReturnType<typeof loadAwsServiceSpec>>;

const isIntrinsic = (value: Json): boolean =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  Object.keys(value).length === 1 &&
  /^(Ref|Fn::|Condition$)/.test(Object.keys(value)[0] ?? '');

function checkValue(spec: Spec, value: Json, type: PropertyType, path: string, errors: string[]): void {
  if (isIntrinsic(value)) return;
  const fail = (expected: string): void => {
    errors.push(`${path}: expected ${expected}, got ${JSON.stringify(value)}`);
  };
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (typeof value !== 'string') fail('a string');
      return;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' && !(typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)))
        fail('a number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') fail('a boolean');
      return;
    case 'array':
      if (!Array.isArray(value)) {
        fail('a list');
        return;
      }
      value.forEach((item, index) => {
        if (type.element) checkValue(spec, item, type.element, `${path}[${index}]`, errors);
      });
      return;
    case 'map':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        fail('a map');
        return;
      }
      for (const [key, item] of Object.entries(value))
        if (type.element) checkValue(spec, item, type.element, `${path}.${key}`, errors);
      return;
    case 'union': {
      const attempts = (type.types ?? []).map((candidate) => {
        const found: string[] = [];
        checkValue(spec, value, candidate, path, found);
        return found;
      });
      if (!attempts.some((found) => found.length === 0)) errors.push(...(attempts[0] ?? []));
      return;
    }
    case 'ref': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        fail('a structure');
        return;
      }
      const definition = spec.get('typeDefinition', type.reference?.$ref ?? '') as unknown as {
        properties: Record<string, PropertySpec>;
      };
      checkProperties(spec, value, definition.properties, path, errors);
      return;
    }
    default:
      // json, tag and anything newer: any value
      return;
  }
}

function checkProperties(
  spec: Spec,
  given: { [key: string]: Json },
  properties: Record<string, PropertySpec>,
  path: string,
  errors: string[],
): void {
  for (const [name, value] of Object.entries(given)) {
    const property = properties[name];
    if (!property) errors.push(`${path}.${name}: no such property`);
    else checkValue(spec, value, property.type, `${path}.${name}`, errors);
  }
  for (const [name, property] of Object.entries(properties))
    if (property.required && !(name in given)) errors.push(`${path}.${name}: required, missing`);
}

let loaded: Promise<Spec> | undefined;

/** Every problem of the template's resources, as `Resources.<id>.<property>: <what is wrong>`. */
export async function validateAgainstSpecification(template: Template): Promise<string[]> {
  loaded ??= loadAwsServiceSpec();
  const spec = await loaded;
  const errors: string[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const [type] = spec.lookup('resource', 'cloudFormationType', 'equals', resource.Type);
    if (!type) {
      errors.push(`Resources.${logicalId}: unknown resource type ${resource.Type}`);
      continue;
    }
    const properties = (type as unknown as { properties: Record<string, PropertySpec> }).properties;
    checkProperties(spec, resource.Properties ?? {}, properties, `Resources.${logicalId}`, errors);
  }
  return errors;
}
