import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatCompact,
  formatCount,
  formatCountStat,
  formatDuration,
  formatPercent,
  formatRate,
  formatSigned,
  formatStat,
} from '../../src/report/format.js';
import { formatLr } from '../../src/report/settings.js';
import { summarize } from '../../src/report/stats.js';

test('numbers are formatted the way the study table shows them', () => {
  assert.equal(formatStat(summarize([0.71, 0.73])), '0.720 ± 0.014');
  assert.equal(formatStat(summarize([0.7123])), '0.712');
  assert.equal(formatCount(4387081), '4,387,081');
  assert.equal(formatCountStat(summarize([9353, 9353])), '9,353');
  assert.equal(formatCompact(9353), '9.35 k');
  assert.equal(formatCompact(10122249), '10.1 M');
  assert.equal(formatPercent(100), '100%');
  assert.equal(formatPercent((100 * 9353) / 4396434), '0.21%');
  assert.equal(formatPercent(99.999), '99.99%', 'never rounds up to a false 100%');
  assert.equal(formatPercent(45.67), '45.7%');
  assert.equal(formatLr(2e-5), '2e-5');
  assert.equal(formatLr(0.001), '1e-3');
  assert.equal(formatLr(1.5e-4), '1.5e-4');
  assert.equal(formatLr(0.1), '0.1');
  assert.equal(formatSigned(0.0123), '+0.012');
  assert.equal(formatSigned(-0.0345), '\u22120.035');
  assert.equal(formatRate(summarize([118.4, 120.2])), '119 ± 1');
});

test('durations pick a readable unit and keep a visible spread', () => {
  assert.equal(formatDuration(summarize([48.2, 49.3])), '48.8 ± 0.8 s');
  assert.equal(formatDuration(summarize([1200, 1260])), '20.5 ± 0.7 min');
  assert.equal(formatDuration(summarize([9000])), '2.5 h');
  assert.equal(
    formatDuration(summarize([40.98, 41.0])),
    '40.99 ± 0.01 s',
    'a spread that rounds to 0 gets a digit',
  );
  assert.equal(formatDuration(summarize([150, 160]), 'min'), '2.6 ± 0.1 min');
});
