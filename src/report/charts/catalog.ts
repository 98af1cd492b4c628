import type { TopLevelSpec } from 'vega-lite';
import type { AnchorMatch } from '../anchors.js';
import type { RunGroup } from '../group.js';
import { anchorsSpec } from './anchors.js';
import { classOrder } from './class-order.js';
import { confusionSpec } from './confusion.js';
import { f1Spec } from './f1.js';
import { f1VsParamsSpec } from './f1-vs-params.js';
import { learningCurvesSpec } from './learning-curves.js';
import { perClassF1Spec } from './per-class.js';
import { trainableParamsSpec } from './params.js';
import { trainingTimeSpec } from './time.js';

/** One chart of the report: its PNG file name, its spec, and the words that go with it. */
export interface ChartFile {
  file: string;
  title: string;
  caption: string;
  section: 'overview' | 'confusion' | 'anchors';
  spec: TopLevelSpec;
}

/** Every chart the report draws, in the order it shows them. */
export function chartCatalog(groups: RunGroup[], anchorMatches: AnchorMatch[] = []): ChartFile[] {
  const seeded = groups.some((g) => g.n > 1);
  const classes = classOrder(groups);
  const overSeeds = seeded ? ' Bars are means over seeds; error bars span ±1 standard deviation.' : '';
  const charts: ChartFile[] = [
    {
      file: 'f1.png',
      title: 'Test F1 by model',
      caption: `Weighted F1 on the test split for each model.${overSeeds}`,
      section: 'overview',
      spec: f1Spec(groups),
    },
    {
      file: 'trainable_params.png',
      title: 'Trainable parameters',
      caption:
        'Parameters updated by training, on a log scale, with their share of all of the model’s parameters: LoRA trains a small fraction of what full fine-tuning does.',
      section: 'overview',
      spec: trainableParamsSpec(groups),
    },
    {
      file: 'training_time.png',
      title: 'Training time',
      caption: `Wall-clock time of each run's optimizer steps (evaluation excluded), labelled with training throughput in examples per second.${overSeeds}`,
      section: 'overview',
      spec: trainingTimeSpec(groups),
    },
    {
      file: 'f1_vs_params.png',
      title: 'Test F1 against trainable parameters',
      caption:
        'Weighted test F1 against the number of trainable parameters (log scale), one point per model: further up and to the left means more accuracy for fewer trained parameters.',
      section: 'overview',
      spec: f1VsParamsSpec(groups),
    },
    {
      file: 'per_class_f1.png',
      title: 'F1 per class',
      caption:
        'F1 of every class on the test split, grouped by class, one bar per model, each with its value; classes are ordered by their number of test examples, shown in brackets (the confusion matrices use the same order). Rare classes are where the models part ways.',
      section: 'overview',
      spec: perClassF1Spec(groups),
    },
    {
      file: 'learning_curves.png',
      title: 'Learning curves',
      caption: `Training loss and, where there was a validation split, validation F1 after each epoch${
        seeded ? ' (means over seeds)' : ''
      }, one row per model on its own epoch axis. The dashed line and ring mark the epoch whose model was kept: the best validation F1, or the last epoch without a validation split.`,
      section: 'overview',
      spec: learningCurvesSpec(groups),
    },
    // A multi-label model has no confusion matrix: a row's several labels have no one true class.
    ...groups
      .filter((g) => !g.multiLabel)
      .map((g): ChartFile => ({
        file: `confusion_${g.id}.png`,
        title: `Confusion matrix: ${g.label}`,
        caption: `Confusion matrix of ${g.label} on the test split: rows are true classes, columns predicted ones; classes in the same order as in the per-class chart; the colour is the share of the row's examples, the number the count${
          g.n > 1 ? ` summed over ${g.n} seeds` : ''
        }. The diagonal holds the correct predictions.`,
        section: 'confusion',
        spec: confusionSpec(g, classes),
      })),
  ];
  if (anchorMatches.length > 0) {
    const ours = anchorMatches.some((m) => m.group.n > 1) ? 'circles; mean ± 1 sd over seeds' : 'circles';
    charts.push({
      file: 'anchors.png',
      title: 'Against the PyTorch reference',
      caption: `Our weighted test F1 (${ours}) next to the PyTorch reference run with the same method, learning rate and max length (diamonds).`,
      section: 'anchors',
      spec: anchorsSpec(anchorMatches),
    });
  }
  return charts;
}
