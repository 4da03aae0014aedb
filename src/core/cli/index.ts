export {
  CHECK_FORMATS,
  COMMAND_TABLE,
  GLOBAL_OPTIONS,
  WORKSHOP_CONCURRENCY,
  commandFlags,
  commandSpec,
  optionKey,
  takesTargetFlags,
} from './command-table.js';
export type {
  AloneOf,
  CheckFormat,
  CamelCase,
  CommandName,
  CommandSpec,
  OptionSpec,
  OptionsOf,
  TargetCommand,
} from './command-table.js';
