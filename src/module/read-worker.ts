/**
 * A reader pool's worker thread (read-pool.ts): reads plain module files' facts with the tree reader
 * (lazy references), one batch of paths at a time, and posts each module back as a record (record.ts)
 * with the columns' buffers transferred, the names its table gained since its last answer, and each
 * unreadable file's error in the words readModules() uses.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { InputError } from '../errors.js';
import { nameCount, namesSince, shareNames } from './names.js';
import { readPlainModuleSync } from './read.js';
import { toRecord, type ModuleRecord } from './record.js';

/** What the pool starts a worker with. */
export interface ReaderSetup {
  /** The main thread's name table when the pool started: the worker's ids below its length are the same. */
  names: string[];
  maxModuleSize?: number;
  signatureDigests: boolean;
}

export interface ReadBatch {
  id: number;
  paths: string[];
}

/** One file's outcome: its facts, its error, or `compressed` (left to the main thread: budget, decode pool). */
export type ReadOutcome = { record: ModuleRecord } | { error: string } | { compressed: true };

export interface ReadAnswer {
  id: number;
  outcomes: ReadOutcome[];
  /** Names given ids since the last answer, in id order. */
  names: string[];
}

if (!parentPort) throw new Error('read-worker.js is run by a reader pool (worker_threads), not on its own');
const port: MessagePort = parentPort;
const setup = workerData as ReaderSetup;
shareNames(setup.names);
let sent = nameCount();

port.on('message', (batch: ReadBatch) => {
  const outcomes: ReadOutcome[] = [];
  const transfer: ArrayBuffer[] = [];
  for (const path of batch.paths) {
    try {
      const facts = readPlainModuleSync(path, { references: 'lazy', maxModuleSize: setup.maxModuleSize, signatureDigests: setup.signatureDigests });
      if (!facts) {
        outcomes.push({ compressed: true });
        continue;
      }
      const r = toRecord(facts);
      outcomes.push({ record: r.record });
      transfer.push(...r.transfer);
    } catch (e) {
      // readModules()'s words: an InputError names its file; anything else is prefixed with the path
      outcomes.push({ error: e instanceof InputError ? e.message : `${path}: ${(e as Error)?.message ?? String(e)}` });
    }
  }
  const names = namesSince(sent);
  sent = nameCount();
  port.postMessage({ id: batch.id, outcomes, names } satisfies ReadAnswer, transfer);
});
