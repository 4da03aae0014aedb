export { COMMAND_TABLE, GLOBAL_OPTIONS, WORKSHOP_CONCURRENCY, commandFlags, commandSpec } from './command-table.js';
export type { CommandSpec, OptionSpec } from './command-table.js';
