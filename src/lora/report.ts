import { countParameters, type Module } from '../nn/module.js';
import { loraStateOf } from './state.js';

export interface TrainableParameterReport {
  /** Parameters that require a gradient. */
  trainable: number;
  /**
   * All parameters as PEFT counts them: the model's own plus, for each modules_to_save module, the
   * frozen original that PEFT's ModulesToSaveWrapper keeps beside the trained copy. This is the number
   * PEFT prints (bert-tiny, 9 labels, r 8 on query and value: 4,396,434 = 4,387,081 + 8,192 + 1,161).
   */
  total: number;
  /** The model's own parameters (no PEFT copies). */
  parameters: number;
  /** 100 · trainable / total. */
  percent: number;
  /** PEFT's print_trainable_parameters line. */
  text: string;
}

export function trainableParameterReport(model: Module): TrainableParameterReport {
  const trainable = countParameters(model, true);
  const parameters = countParameters(model);
  let copies = 0;
  for (const path of loraStateOf(model)?.modulesToSave ?? []) {
    const module = model.getSubmodule(path);
    if (module) copies += countParameters(module);
  }
  const total = parameters + copies;
  const percent = total === 0 ? 0 : (100 * trainable) / total;
  return { trainable, total, parameters, percent, text: formatTrainableParameters(trainable, total) };
}

/** `trainable params: 9,353 || all params: 4,396,434 || trainable%: 0.2127`, as PEFT formats it. */
export function formatTrainableParameters(trainable: number, total: number): string {
  const percent = total === 0 ? 0 : (100 * trainable) / total;
  return `trainable params: ${groupThousands(trainable)} || all params: ${groupThousands(total)} || trainable%: ${percent.toFixed(4)}`;
}

/** Python's `{:,d}`: comma every three digits, independent of the machine's locale. */
function groupThousands(n: number): string {
  const digits = String(Math.abs(Math.trunc(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${grouped}` : grouped;
}
