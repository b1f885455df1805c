// Tokenize text with the extension's TextMate grammar, as VS Code does (vscode-textmate and the Oniguruma
// regular expressions compiled to WebAssembly), and print every line's tokens as JSON for the tests.
//
//   node test/tokenize.js FILE...   one JSON object per file: {"file": ..., "lines": [[{"text", "scopes"}]]}
//   node test/tokenize.js -         the same for text read from standard input, one line per line
"use strict";
const fs = require("fs");
const path = require("path");
const textmate = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const grammarPath = path.join(__dirname, "..", "syntaxes", "sla.tmLanguage.json");
const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;

async function main() {
  await oniguruma.loadWASM(wasm);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === "source.sla"
        ? textmate.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
        : null,
  });
  const grammar = await registry.loadGrammar("source.sla");
  const files = process.argv.slice(2);
  const results = [];
  for (const file of files) {
    const text = file === "-" ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
    let state = textmate.INITIAL;
    const lines = [];
    for (const line of text.replace(/\n$/, "").split("\n")) {
      const found = grammar.tokenizeLine(line, state);
      lines.push(
        found.tokens.map((token) => ({
          text: line.substring(token.startIndex, token.endIndex),
          scopes: token.scopes,
        })),
      );
      state = found.ruleStack;
    }
    results.push({ file, lines });
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
