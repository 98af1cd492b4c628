import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import { UserError } from '../errors.js';
import { sharedPath } from '../io/shared-dir.js';

interface ReportFlags {
  runs: string;
  outputDir?: string;
  /** A path, false for --no-anchors, or undefined: the shared reference when there is one. */
  anchors?: string | false;
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
      'PyTorch reference results to compare with (default: the shared anchors/pytorch_reference.json when it exists)',
    )
    .option('--no-anchors', 'no comparison with the PyTorch reference')
    .action(async (flags: ReportFlags) => {
      // Checked before the runs are read and the charts drawn, which take a while.
      if (typeof flags.anchors === 'string' && !existsSync(flags.anchors)) {
        throw new UserError(`The anchors file ${flags.anchors} does not exist.`);
      }
      const sharedAnchors = sharedPath('anchors', 'pytorch_reference.json');
      const anchorsPath =
        flags.anchors === false
          ? undefined
          : (flags.anchors ?? (existsSync(sharedAnchors) ? sharedAnchors : undefined));
      // Loaded on use: the chart renderer takes a while to load, and every other command starts faster without it.
      const { writeReport } = await import('../report/write-report.js');
      const { files } = await writeReport({
        runsDir: flags.runs,
        outputDir: flags.outputDir,
        anchorsPath,
      });
      const shown = files.map((f) => `  ${relative(process.cwd(), f) || f}`);
      process.stdout.write(`Wrote ${files.length} files:\n${shown.join('\n')}\n`);
    });
}
