import { DROP_REASONS, type DataFileRecord, type DataRecord, type DropReason } from './data-record.js';

const n = (value: number): string => value.toLocaleString('en-US');
const rows = (count: number): string => `${n(count)} ${count === 1 ? 'row' : 'rows'}`;

const ROLE_NAMES: Record<DataFileRecord['role'], string> = {
  train: 'Training file',
  validation: 'Validation file',
  test: 'Test file',
  input: 'Input file',
};

/** "Test file /d/test.csv (csv): 16 rows; left out 1 with a label the training split does not have ("Pension" 1)." */
export function fileSentence(file: DataFileRecord): string {
  const left = (Object.entries(file.dropped) as [DropReason, number][]).map(([reason, count]) => {
    const which =
      reason === 'unseen_label' && file.unseen_labels
        ? ` (${Object.entries(file.unseen_labels)
            .map(([label, k]) => `${JSON.stringify(label)} ${n(k)}`)
            .join(', ')})`
        : '';
    return `${n(count)} ${DROP_REASONS[reason]}${which}`;
  });
  const note = left.length > 0 ? `; left out ${left.join(', ')}` : '';
  return `${ROLE_NAMES[file.role]} ${file.path} (${file.format}): ${rows(file.rows)}${note}.`;
}

/** "Columns: text "review", label "stars"." (the CFPB recipe's: narrative and product, merged into classes) */
export function columnsSentence(record: DataRecord): string {
  const { text, label, text_pair } = record.columns;
  if (record.recipe === 'cfpb') {
    return 'Columns: the complaint narrative (cleaned) as text, the product (merged into classes) as label.';
  }
  const pair = text_pair !== undefined ? `, text pair "${text_pair}"` : '';
  const multi = record.multi_label;
  const labels = multi
    ? `, labels "${label}" (multi-label: lists, or text split at ${JSON.stringify(multi.separator)}${multi.allow_empty_labels ? '; rows without labels kept as having none' : ''})`
    : `, label "${label}"`;
  return `Columns: text "${text}"${pair}${labels}.`;
}

/** "Splits: 42 train, 6 validation, 12 test rows; carved from the training file (stratified, seed 42): validation 0.1, test 0.2." */
export function splitsSentence(record: DataRecord): string {
  const { splits } = record;
  const carved: string[] = [];
  if (record.val_from === 'carved') carved.push(`validation ${record.carved?.val_size ?? '?'}`);
  if (record.test_from === 'carved') carved.push(`test ${record.carved?.test_size ?? '?'}`);
  const from = record.recipe === undefined ? 'the training file' : 'the rows kept';
  const how =
    carved.length > 0
      ? `; carved from ${from} (stratified, seed ${record.carved?.seed ?? '?'}): ${carved.join(', ')}`
      : '';
  const val = record.val_from === 'none' ? 'no validation split' : `${n(splits.val)} validation`;
  return `Splits: ${n(splits.train)} train, ${val}, ${n(splits.test)} test rows${how}.`;
}

/** Every sentence of the record: one per file, the columns, the splits. */
export function describeData(record: DataRecord): string[] {
  return [...record.files.map(fileSentence), columnsSentence(record), splitsSentence(record)];
}
