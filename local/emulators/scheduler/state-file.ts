import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StoredGroup, StoredSchedule } from './records.js';

const STATE_VERSION = 1;

/** Everything the local Scheduler keeps across restarts. */
export interface SchedulerState {
  groups: StoredGroup[];
  schedules: StoredSchedule[];
}

interface StateFile extends SchedulerState {
  version: number;
}

/** Writes the state file; throws what the file system throws. */
export function writeStateFile(file: string, state: SchedulerState): void {
  const content: StateFile = { version: STATE_VERSION, groups: state.groups, schedules: state.schedules };
  // Write-then-rename: a twin killed mid-write keeps the previous file rather than half of one.
  const temp = `${file}.${process.pid}.tmp`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(temp, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(temp, file);
}

/**
 * Reads the state file; undefined when there is none yet. A file that is not JSON or not in the
 * expected form is an error naming the file, rather than a silent fresh start that loses schedules.
 */
export function readStateFile(file: string): SchedulerState | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let state: StateFile;
  try {
    state = JSON.parse(text) as StateFile;
  } catch {
    throw new Error(`The local Scheduler's state file ${file} is not valid JSON; delete it to start empty.`);
  }
  if (state.version !== STATE_VERSION || !Array.isArray(state.groups) || !Array.isArray(state.schedules)) {
    throw new Error(`The local Scheduler's state file ${file} is not in the expected form; delete it to start empty.`);
  }
  return state;
}
