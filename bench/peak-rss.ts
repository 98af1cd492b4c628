/**
 * Loaded with `node --import` into a benchmark's child process: when the process exits, however it
 * exits, its peak resident memory (getrusage's maxrss) is written to the file that
 * LORA_LAB_PEAK_RSS_FILE names, so the parent can report the child's peak and not its own.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.LORA_LAB_PEAK_RSS_FILE;
if (target) {
  process.on('exit', () => {
    writeFileSync(target, JSON.stringify({ max_rss_kib: process.resourceUsage().maxRSS }));
  });
}
