export { DefinitionError, parseTargetDefinition } from './parse.js';
