// Regenerates this folder from the npm package @jsonforms/examples (pinned in package.json):
//
//   npm ci --ignore-scripts
//   node forms/testdata/jsonforms-examples/extract.js
//
// It loads the package's CommonJS bundle with its three runtime imports (@jsonforms/core,
// ajv-i18n, lodash) replaced by inert stubs (the examples are plain data; only a few action
// callbacks use those imports, and they are not called here), and writes one JSON file per
// registered example that has both a schema and a UI schema: name, label, schema, uischema,
// data and i18n, exactly as the package defines them.
'use strict';
const Module = require('module');
const fs = require('fs');
const path = require('path');

const here = __dirname;
const pkgDir = path.dirname(require.resolve('@jsonforms/examples/package.json', { paths: [path.join(here, '../../..')] }));
const stub = new Proxy(function () {}, {
  get: (_, key) => {
    if (key === '__esModule' || typeof key !== 'string') return undefined;
    if (key.endsWith('Enum')) return new Proxy({}, { get: (_, name) => String(name) });
    return stub;
  },
  apply: () => stub,
});
const load = Module._load;
Module._load = function (request) {
  if (request === '@jsonforms/core' || request === 'ajv-i18n/localize' || request === 'lodash/get') return stub;
  return load.apply(this, arguments);
};
const examples = require(path.join(pkgDir, 'lib/jsonforms-examples.cjs.js')).getExamples();
const version = require(path.join(pkgDir, 'package.json')).version;

for (const f of fs.readdirSync(here)) {
  if (f.endsWith('.json')) fs.unlinkSync(path.join(here, f));
}
let n = 0;
for (const e of examples) {
  if (!e.schema || !e.uischema) continue;
  const file = e.name.replace(/[^A-Za-z0-9_-]+/g, '-').toLowerCase() + '.json';
  const out = { name: e.name, label: e.label, schema: e.schema, uischema: e.uischema, data: e.data ?? null };
  if (e.i18n) out.i18n = e.i18n;
  fs.writeFileSync(path.join(here, file), JSON.stringify(out, null, 2) + '\n');
  n++;
}
console.log(`@jsonforms/examples ${version}: ${examples.length} examples, ${n} with schema and UI schema written to ${here}`);
