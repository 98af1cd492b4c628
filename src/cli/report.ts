import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { UserError } from '../errors.js';

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
      // Checked before the runs are read and the charts drawn, which take a while.
      if (flags.anchors !== undefined && !existsSync(flags.anchors)) {
        throw new UserError(`The anchors file ${flags.anchors} does not exist.`);
      }
      // Loaded on use: the chart renderer takes a while to load, and every other command starts faster without it.
      const { writeReport } = await import('../report/write-report.js');
      const { files } = await writeReport({
        runsDir: flags.runs,
        outputDir: flags.outputDir,
        anchorsPath: flags.anchors,
      });
      const shown = files.map((f) => `  ${relative(process.cwd(), f) || f}`);
      process.stdout.write(`Wrote ${files.length} files:\n${shown.join('\n')}\n`);
    });
}
