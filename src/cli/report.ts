import type { Command } from 'commander';
import { relative } from 'node:path';
import { writeReport } from '../report/write-report.js';

interface ReportFlags {
  runs: string;
  outputDir?: string;
  anchors?: string;
}

/** `lora-lab report`: tables and charts comparing every run found under a folder. */
export function registerReport(program: Command): void {
  program
    .command('report')
    .description(
      'Compare every run (results.json) under a folder: comparison.md, comparison.json, report.html and PNG charts; seeds of one experiment are averaged.',
    )
    .requiredOption('--runs <dir>', 'folder searched recursively for results.json files')
    .option('--output-dir <dir>', 'where to write the report (default: the --runs folder)')
    .option(
      '--anchors <file>',
      'PyTorch reference results to compare with, e.g. ../shared/anchors/pytorch_reference.json',
    )
    .action(async (flags: ReportFlags) => {
      const { files } = await writeReport({
        runsDir: flags.runs,
        outputDir: flags.outputDir,
        anchorsPath: flags.anchors,
      });
      const shown = files.map((f) => `  ${relative(process.cwd(), f) || f}`);
      process.stdout.write(`Wrote ${files.length} files:\n${shown.join('\n')}\n`);
    });
}
