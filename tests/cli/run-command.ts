import { Command } from 'commander';

/**
 * Runs `lora-lab <args>` in process with the given commands registered and returns what they wrote
 * to stdout and stderr (the test runner's own binary reports pass through untouched).
 */
export async function runCommand(
  register: (program: Command) => void,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  const program = new Command().name('lora-lab').exitOverride();
  register(program);
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === 'string'
      ? ((stdout += chunk), true)
      : out(chunk, ...rest)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === 'string'
      ? ((stderr += chunk), true)
      : err(chunk, ...rest)) as typeof process.stderr.write;
  try {
    await program.parseAsync(['node', 'lora-lab', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  return { stdout, stderr };
}
