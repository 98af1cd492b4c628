import { test } from 'node:test';
import assert from 'node:assert/strict';
import { domainTicks, zoomedDomain } from '../../../src/report/charts/domain.js';

test('an F1 axis is zoomed to the data with a margin, not 0 to 1', () => {
  const f1s = [0.586, 0.611, 0.715, 0.739, 0.763, 0.777];
  const [lo, hi] = zoomedDomain(f1s);
  assert.deepEqual([lo, hi], [0.55, 0.85]);
  // Both ends leave room beyond the extreme points, and the spread fills most of the axis.
  assert.ok(lo < 0.586 - 0.02 && hi > 0.777 + 0.02);
  assert.ok((0.777 - 0.586) / (hi - lo) > 0.6);
});

test('a single value gets at least a tenth of the scale around it; the bounds clamp', () => {
  assert.deepEqual(zoomedDomain([0.7]), [0.65, 0.75]);
  assert.deepEqual(zoomedDomain([0.97, 0.99]), [0.9, 1]);
  assert.deepEqual(zoomedDomain([0.01]), [0, 0.1]);
  assert.deepEqual(zoomedDomain([]), [0, 1]);
  assert.deepEqual(zoomedDomain([Number.NaN, 0.5]), [0.45, 0.55]);
});

test('ticks sit on round values inside the domain and do not crowd', () => {
  assert.deepEqual(domainTicks([0.55, 0.85]), [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85]);
  assert.deepEqual(domainTicks([0, 1]), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const ticks = domainTicks([0.3, 0.95]);
  assert.ok(ticks.length <= 8 && ticks.every((t) => t >= 0.3 && t <= 0.95));
});
