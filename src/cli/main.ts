import { runCli } from './run.js';

// A reader that stops early (`lora-lab predict … | head`) closes the pipe: that ends the output, it is
// no failure, and it must not surface as an uncaught 'error' event with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await runCli(process.argv);
