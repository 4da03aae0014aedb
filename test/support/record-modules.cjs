// Preloaded with --require: at exit, writes the CommonJS modules the process loaded (packages imported
// from ESM that ship CommonJS, like the AWS SDK, land here too) to the file named by RECORD_MODULES.
const { writeFileSync } = require('node:fs');
process.on('exit', () => writeFileSync(process.env.RECORD_MODULES, JSON.stringify(Object.keys(require.cache))));
