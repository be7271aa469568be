/**
 * The installer's screens put together: the questions (only the sections asked), the summary with the typed
 * confirmation, the install with its progress, and the end. Keys enter once, at the top (useKeyInput), and
 * the whole state is one reducer (installer-state.ts); this component draws the state and runs the work the
 * reducer asks for (planning a layout, hashing a password, the install), reporting each result back.
 */
import React, { useEffect, useEffectEvent, useMemo, useReducer, useRef } from 'react';
import { useApp } from 'ink';
import type { DraftAnswers, InstallerEngine, InstallerModel, QuestionSection } from '../engine/contract.js';
import { DiskScreen } from './disk/index.js';
import { DoneScreen } from './done/index.js';
import { GenerationsScreen } from './generations/index.js';
import { HardwareScreen } from './hardware/index.js';
import { doneItems, initialInstallerState, installerReducer, stepItems, type ExitAction, type InstallerAction, type InstallerContext, type InstallerState, type Work } from './installer-state.js';
import { KeyboardScreen } from './keyboard/index.js';
import { useKeyInput } from './keys/use-key-input.js';
import { LayoutScreen } from './layout/index.js';
import { ProgressScreen } from './progress/index.js';
import { SummaryScreen } from './summary/index.js';
import { TimeZoneScreen } from './time-zone/index.js';
import { UsersScreen } from './users/index.js';
import { WelcomeScreen } from './welcome/index.js';

export interface InstallerAppProps {
  readonly model: InstallerModel;
  readonly engine: InstallerEngine;
  readonly initial: DraftAnswers;
  /** The sections to ask (all by default); the rest come from `initial`. */
  readonly sections?: readonly QuestionSection[];
  /** Called when the user leaves: with the final answers and what they chose (reboot, shell, exit). */
  readonly onExit: (result: { action: ExitAction; answers: DraftAnswers; installed: boolean }) => void;
}

export function InstallerApp({ model, engine, initial, sections, onExit }: InstallerAppProps): React.JSX.Element {
  const { exit } = useApp();
  const context = useMemo<InstallerContext>(
    () => ({ model, guidedPartitions: (answers, choice) => engine.guidedPartitions(answers, choice), confirmName: (answers) => engine.summarise(answers).confirmName }),
    [model, engine],
  );
  const [state, dispatch] = useReducer((current: InstallerState, action: InstallerAction) => installerReducer(current, action, context), undefined, () => initialInstallerState(initial, context, sections));
  useKeyInput((keys) => dispatch({ type: 'keys', keys }));
  const abort = useRef<AbortController | undefined>(undefined);

  // The work the reducer asked for, once per work id; its result names the id, so a stale one is ignored.
  const startWork = useEffectEvent(() => {
    if (state.work !== undefined) abort.current = runWork(state.work, engine, dispatch);
  });
  const workId = state.work?.id;
  useEffect(() => {
    if (workId !== undefined) startWork();
  }, [workId]);

  const stopping = state.phase.kind === 'installing' && state.phase.stopping;
  useEffect(() => {
    if (stopping) abort.current?.abort();
  }, [stopping]);

  // Leaving: once per exit request, with the answers and the onExit of the render that asked for it.
  const leave = useEffectEvent((request: NonNullable<InstallerState['exit']>) => {
    abort.current?.abort();
    onExit({ action: request.action, answers: state.wizard.answers, installed: request.installed });
    exit();
  });
  const exitRequest = state.exit;
  useEffect(() => {
    if (exitRequest !== undefined) leave(exitRequest);
  }, [exitRequest]);

  return <InstallerView state={state} model={model} engine={engine} />;
}

/** Starts a piece of work; returns the controller that stops it (the install). */
function runWork(work: Work, engine: InstallerEngine, dispatch: (action: InstallerAction) => void): AbortController {
  const controller = new AbortController();
  const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
  switch (work.kind) {
    case 'preview':
      engine.previewLayout(work.answers, work.choice).then(
        (preview) => dispatch({ type: 'previewed', work: work.id, preview }),
        (error: unknown) => dispatch({ type: 'previewed', work: work.id, preview: { rows: [], error: message(error) } }),
      );
      break;
    case 'space':
      engine.checkSpace(work.answers).then(
        (space) => dispatch({ type: 'space-checked', work: work.id, space }),
        (error: unknown) => {
          // The plan could not be made (the sizes are unknown: diskBytes 0); the reason says so once that nothing was written.
          const reason = message(error);
          dispatch({ type: 'space-checked', work: work.id, space: { neededBytes: 0, diskBytes: 0, rootNeedBytes: 0, refusal: /nothing was written/i.test(reason) ? reason : `${reason}. Nothing was written.` } });
        },
      );
      break;
    case 'hash':
      // After this render: the hash (CPU work) does not hold up drawing the screen that asked for it.
      void new Promise((resolve) => setImmediate(resolve))
        .then(() => engine.hashPassword(work.password))
        .then(
          (hash) => dispatch({ type: 'hashed', work: work.id, hash }),
          (error: unknown) => dispatch({ type: 'hash-failed', work: work.id, message: message(error) }),
        );
      break;
    case 'install':
      engine.install(work.answers, (event) => dispatch({ type: 'progress', work: work.id, event }), controller.signal).then(
        (result) => dispatch({ type: 'installed', work: work.id, lines: result.lines }),
        (error: unknown) => {
          const logPath = typeof error === 'object' && error !== null && 'logPath' in error ? String(error.logPath) : 'the installer log';
          dispatch({ type: 'install-failed', work: work.id, message: message(error), logPath });
        },
      );
      break;
  }
  return controller;
}

/** Draws the state: the current question, the progress, or the end. */
function InstallerView({ state, model, engine }: { readonly state: InstallerState; readonly model: InstallerModel; readonly engine: InstallerEngine }): React.JSX.Element {
  const phase = state.phase;
  if (phase.kind === 'installing') return <ProgressScreen progress={phase.progress} showLog={phase.showLog} stopping={phase.stopping} />;
  if (phase.kind === 'finished') return <DoneScreen outcome={phase.outcome} items={doneItems(phase.outcome, model.ending)} list={phase.list} />;
  const step = { index: state.wizard.index + 1, total: state.wizard.steps.length };
  const screen = phase.screen;
  const answers = state.wizard.answers;
  switch (screen.step) {
    case 'welcome':
      return <WelcomeScreen items={stepItems('welcome', model)} list={screen.list} source={model.source} step={step} />;
    case 'keyboard':
      return <KeyboardScreen items={stepItems('keyboard', model)} list={screen.list} step={step} />;
    case 'timezone':
      return <TimeZoneScreen items={stepItems('timezone', model)} list={screen.list} step={step} />;
    case 'hardware':
      return <HardwareScreen summary={model.hardware} step={step} />;
    case 'disk':
      return <DiskScreen disks={model.disks} items={stepItems('disk', model)} list={screen.list} step={step} />;
    case 'layout':
      return <LayoutScreen layout={screen.layout} step={step} />;
    case 'users':
      return <UsersScreen users={screen.users} hashing={state.work?.kind === 'hash'} step={step} />;
    case 'generations':
      return <GenerationsScreen items={stepItems('generations', model)} list={screen.list} error={screen.error} step={step} />;
    case 'summary': {
      const summary = engine.summarise(answers);
      return (
        <SummaryScreen
          choices={summary.choices}
          erased={summary.erased}
          confirmName={summary.confirmName}
          field={screen.field}
          refused={screen.refused}
          space={screen.space}
          canChooseDisk={state.wizard.steps.includes('disk')}
          step={step}
        />
      );
    }
  }
}
