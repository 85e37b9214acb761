// Checks that a cut tokenizer.json gives Hugging Face's ids, tokens and decoded text of the full file on every text.
//   NODE_PATH=/work/hfref/node_modules node check-cut.js FULL_TOKENIZER_JSON CUT_TOKENIZER_JSON CORPUS_JSON GROUP...
const fs = require('fs');
const { Tokenizer } = require('tokenizers');
(async () => {
  const [full, cut, corpusFile, ...groups] = process.argv.slice(2);
  const corpus = JSON.parse(fs.readFileSync(corpusFile, 'utf8'));
  const [a, b] = [await Tokenizer.fromFile(full), await Tokenizer.fromFile(cut)];
  let bad = 0, n = 0;
  for (const text of groups.flatMap(g => corpus[g])) {
    for (const special of [true, false]) {
      const [ea, eb] = [await a.encode(text, null, { addSpecialTokens: special }), await b.encode(text, null, { addSpecialTokens: special })];
      const same = JSON.stringify([ea.getIds(), ea.getTokens()]) === JSON.stringify([eb.getIds(), eb.getTokens()])
        && await a.decode(ea.getIds(), false) === await b.decode(eb.getIds(), false)
        && await a.decode(ea.getIds(), true) === await b.decode(eb.getIds(), true);
      n++;
      if (!same) { bad++; console.error('DIFFERS:', JSON.stringify(text), ea.getIds(), eb.getIds()); }
    }
  }
  console.error(`${cut}: ${n - bad}/${n} encodings identical to the full file`);
  process.exit(bad ? 1 : 0);
})().catch(e => { console.error(e.message); process.exit(2); });
