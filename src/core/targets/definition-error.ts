/** A gallery definition that breaks a rule: the file, the field and the rule, as one line. */
export class DefinitionError extends Error {}

export function fail(where: string, rule: string): never {
  throw new DefinitionError(`${where}: ${rule}`);
}
