/**
 * Lets a child `node` process run the TypeScript sources directly
 * (`node -r ./test/support/ts-register.js src/main.ts`), so a test can start
 * the service as a real process and kill -9 it without building dist/ first.
 * Files are transpiled one by one, which the project's isolatedModules
 * setting guarantees is enough (decorator metadata included).
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.join(__dirname, '..', '..');
const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
const compilerOptions = { ...options, sourceMap: false, inlineSourceMap: true, inlineSources: true };

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
