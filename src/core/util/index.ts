export { didYouMean } from './did-you-mean.js';
export { isObject } from './json.js';
export type { Json } from './json.js';
export { MAX_PATTERN_LENGTH, PatternError, linearPattern } from './linear-pattern.js';
export type { LinearPattern } from './linear-pattern.js';
export { Markdown, code, codeList, fenced, joined, md, yamlBlock } from './markdown.js';
export { MAX_NESTING, assertNesting, nestingDepth, tooDeep } from './nesting.js';
export type { RenderedFile } from './rendered-file.js';
export { shQuote } from './shell.js';
export { closest, didYouMeanQuoted } from './suggest.js';
export {
  MAX_AWS_RESPONSE_BYTES,
  MAX_BITBUCKET_RESPONSE_BYTES,
  TIMEOUTS,
  durationSeconds,
  formatDuration,
  parseDuration,
  timeoutSeconds,
} from './timeouts.js';
export { wildcardMatch } from './wildcard.js';
