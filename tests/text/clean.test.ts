import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanText, countWords } from '../../src/text/clean.js';

test('cleanText strips all but letters, digits and white space, then collapses white space', () => {
  assert.equal(cleanText('transworld systems inc. \nis trying'), 'transworld systems inc is trying');
  assert.equal(cleanText('Today XX/XX/XXXX went online'), 'Today XXXXXXXX went online');
  assert.equal(
    cleanText('to [ transactions that I have made/accounts ], as'),
    'to transactions that I have madeaccounts as',
  );
  assert.equal(cleanText('  I’m  owed {$21.00}\t• fee_x  '), 'Im owed 2100 feex');
  assert.equal(cleanText('préstamo 日本語 ² Ⅻ 😀'), 'préstamo 日本語 ² Ⅻ');
  assert.equal(cleanText('...!!!'), '');
});

test('countWords counts like Python str.split()', () => {
  assert.equal(countWords(''), 0);
  assert.equal(countWords('   '), 0);
  assert.equal(countWords(' one two\n\tthree\u00a0four\u2003five '), 5);
  assert.equal(countWords(cleanText('a - b -- c')), 3);
});
