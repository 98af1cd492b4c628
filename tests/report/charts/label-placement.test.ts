import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  distanceToBox,
  overlaps,
  placeLabels,
  type LabelRequest,
  type PlacedLabel,
  type PlotArea,
} from '../../../src/report/charts/label-placement.js';
import { Rng } from '../../../src/tensor/random.js';

const AREA: PlotArea = { width: 852, height: 380, lineHeight: 17, dot: 7.7 };

/** Everything a reader relies on: labels apart, no point covered, inside the plot, each label clearly its point's. */
function checkPlacement(points: LabelRequest[], labels: PlacedLabel[], area = AREA): void {
  assert.equal(labels.length, points.length);
  labels.forEach((l, i) => {
    const { box } = l;
    assert.ok(Math.abs(box.x1 - box.x0 - points[i]!.width) < 1e-9, `label ${i} keeps its width`);
    assert.ok(
      box.x0 >= 0 && box.y0 >= 0 && box.x1 <= area.width && box.y1 <= area.height,
      `label ${i} is in the plot`,
    );
    labels.forEach((m, j) => assert.ok(j <= i || !overlaps(box, m.box), `labels ${i} and ${j} overlap`));
    points.forEach((p, j) =>
      assert.ok(distanceToBox(p.x, p.y, box) > area.dot, `label ${i} covers point ${j}`),
    );
    const own = distanceToBox(points[i]!.x, points[i]!.y, box);
    if (l.leader) {
      // A label set apart is tied to its point by a line that starts at that point's edge.
      const start = Math.hypot(l.leader.x1 - points[i]!.x, l.leader.y1 - points[i]!.y);
      assert.ok(Math.abs(start - area.dot) < 1e-6, `leader ${i} starts at its point`);
      assert.ok(distanceToBox(l.leader.x2, l.leader.y2, box) < 1e-6, `leader ${i} ends at its label`);
    } else {
      // Without a line, the label must sit nearer its own point than any other: read as nobody else's.
      points.forEach((p, j) =>
        assert.ok(
          j === i || distanceToBox(p.x, p.y, box) > own,
          `label ${i} is nearer point ${j} than its own`,
        ),
      );
      assert.ok(
        own < area.dot + 2 * area.lineHeight,
        `label ${i} sits beside its point (${own.toFixed(1)} px)`,
      );
    }
  });
}

test('six runs (3 methods × 2 presets) in two tight clusters: every label beside its own point or tied to it', () => {
  // Pixel positions of the report's F1-against-parameters chart for a 6-model study: two LoRA presets at
  // the same 9k parameters, two full fine-tunes at 4.4M and two from-scratch runs at 10M, 55 px to their right.
  const points: LabelRequest[] = [
    { x: 688, y: 114, width: 262 }, // Small-BERT, lr 1e-4
    { x: 688, y: 86, width: 262 }, // Small-BERT, lr 3e-4
    { x: 633, y: 127, width: 255 },
    { x: 633, y: 37, width: 255 },
    { x: 170, y: 320, width: 246 },
    { x: 170, y: 100, width: 252 },
  ];
  const labels = placeLabels(points, AREA);
  checkPlacement(points, labels);
  // The isolated LoRA points need no leader.
  assert.equal(labels[4]!.leader, null);
  assert.equal(labels[5]!.leader, null);
});

test('three close LoRA ranks get three labels that neither collide nor swap', () => {
  const points: LabelRequest[] = [
    { x: 170, y: 200, width: 150 },
    { x: 196, y: 197, width: 155 },
    { x: 226, y: 195, width: 155 },
  ];
  const labels = placeLabels(points, AREA);
  checkPlacement(points, labels);
});

test('random scatters of 2 to 6 labelled points all place cleanly', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 60; trial++) {
    const n = 2 + rng.int(5);
    const points = Array.from({ length: n }, () => ({
      x: 20 + rng.uniform() * (AREA.width - 40),
      y: 20 + rng.uniform() * (AREA.height - 40),
      width: 120 + rng.uniform() * 160,
    }));
    checkPlacement(points, placeLabels(points, AREA));
  }
});

test('a lone point near the right edge gets its label on the left, inside the plot', () => {
  const [label] = placeLabels([{ x: 840, y: 190, width: 200 }], AREA);
  assert.equal(label!.align, 'right');
  assert.ok(label!.box.x1 < 840);
  assert.equal(label!.leader, null);
});
