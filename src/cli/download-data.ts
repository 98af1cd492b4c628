import type { Command } from 'commander';
import { downloadComplaints, DEFAULT_CFPB_API, MAX_DOWNLOAD_SIZE } from '../data/download.js';
import { SourceUnreachable } from '../errors.js';
import { writeFileAtomic } from '../io/atomic-write.js';
import { intInRange, parseFlag } from './options.js';
import { createProgress } from './progress.js';
import { copySharedComplaints } from './shared-stand-in.js';

interface DownloadDataFlags {
  to: string;
  size: string;
  endpoint?: string;
  quiet?: boolean;
}

export function registerDownloadData(program: Command): void {
  program
    .command('download-data')
    .description(
      "Download the newest complaints that have a narrative from the CFPB complaint search API, as a CSV with the export's column names; without a network, copy the shared complaints file instead.",
    )
    .option('--to <csv>', 'file to write', 'data/raw/complaints.csv')
    .option('--size <n>', `how many complaints (1 to ${MAX_DOWNLOAD_SIZE})`, '1000')
    .option('--endpoint <url>', `API address (default: $CFPB_API, else ${DEFAULT_CFPB_API})`)
    .option('--quiet', 'print nothing but errors')
    .action(async (flags: DownloadDataFlags) => {
      const size = parseFlag('--size', flags.size, intInRange(1, MAX_DOWNLOAD_SIZE));
      const progress = createProgress({ quiet: flags.quiet });
      progress.start('Complaints', size);
      let result;
      try {
        result = await downloadComplaints({
          size,
          endpoint: flags.endpoint,
          onProgress: (done, wanted) => progress.update({ done, total: wanted }),
        });
      } catch (error) {
        progress.stop();
        if (!(error instanceof SourceUnreachable)) throw error;
        const line = copySharedComplaints(flags.to, error);
        if (!flags.quiet) process.stdout.write(`${line}\n`);
        return;
      }
      progress.stop();
      writeFileAtomic(flags.to, result.csv);
      if (!flags.quiet) {
        process.stdout.write(
          `Downloaded ${result.rows} complaints with narratives from ${result.endpoint} to ${flags.to}.\n`,
        );
      }
    });
}
