import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stepTicks } from '../../src/web/chart.js';

test('the chart labels its step axis at round numbers, at most six of them, never past the last step', () => {
  assert.deepEqual(stepTicks(30), [0, 10, 20, 30]);
  assert.deepEqual(stepTicks(220), [0, 50, 100, 150, 200]);
  assert.deepEqual(stepTicks(12), [0, 5, 10]);
  assert.deepEqual(stepTicks(1), [0, 1]);
  for (let maxStep = 1; maxStep <= 5000; maxStep++) {
    const ticks = stepTicks(maxStep);
    assert.ok(ticks.length >= 2 && ticks.length <= 6, `${maxStep}: ${ticks.join(', ')}`);
    assert.ok(ticks[ticks.length - 1]! <= maxStep, `${maxStep}: ${ticks.join(', ')}`);
    assert.ok(
      ticks.every((s) => Number.isInteger(s)),
      `${maxStep}: ${ticks.join(', ')}`,
    );
  }
});
