/** `moat ml …`: the payload CNN and its registry. */
import type { Command } from 'commander';
import { registerMlTrain } from './train.js';
import { registerMlEval } from './eval.js';
import { registerMlManage } from './manage.js';
import { registerMlWorker } from './worker.js';

export function registerMl(program: Command, setExit: (code: number) => void): void {
  const ml = program
    .command('ml')
    .description('the payload CNN: train, evaluate, registry (A-83, A-84, A-90, A-91)');
  registerMlTrain(ml, setExit);
  registerMlEval(ml);
  registerMlManage(ml, setExit);
  registerMlWorker(ml);
}
