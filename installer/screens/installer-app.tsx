/**
 * The installer's screens put together: the questions (only the sections asked), the summary with the typed
 * confirmation, the install with its progress, and the end. Everything the screens show or do comes in
 * through `model` and `engine`, so the same app runs against a live machine, a recorded one, or a test.
 */
import React, { useReducer, useRef, useState } from 'react';
import { useApp, useInput } from 'ink';
import type { DraftAnswers, InstallerEngine, InstallerModel, QuestionSection } from '../engine/contract.js';
import { currentStep, initialWizard, wizardReducer } from '../wizard.js';
import { DiskScreen } from './disk/index.js';
import { DoneScreen, type DoneAction } from './done/index.js';
import { GenerationsScreen } from './generations/index.js';
import { HardwareScreen } from './hardware/index.js';
import { KeyboardScreen } from './keyboard/index.js';
import { LayoutScreen } from './layout/index.js';
import { ProgressScreen } from './progress/index.js';
import { initialProgress, progressReducer } from './progress/state.js';
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
  readonly onExit: (result: { action: DoneAction | 'cancel'; answers: DraftAnswers; installed: boolean }) => void;
}

type Phase =
  | { readonly kind: 'asking' }
  | { readonly kind: 'installing'; readonly stopping: boolean }
  | { readonly kind: 'installed'; readonly lines: readonly string[] }
  | { readonly kind: 'failed'; readonly message: string; readonly logPath: string };

export function InstallerApp({ model, engine, initial, sections, onExit }: InstallerAppProps): React.JSX.Element {
  const { exit } = useApp();
  const [wizard, dispatch] = useReducer(wizardReducer, undefined, () => initialWizard(initial, sections));
  const [progress, onEvent] = useReducer(progressReducer, initialProgress);
  const [phase, setPhase] = useState<Phase>({ kind: 'asking' });
  const abort = useRef<AbortController | undefined>(undefined);
  const answers = wizard.answers;

  const leave = (action: DoneAction | 'cancel', installed: boolean) => {
    onExit({ action, answers, installed });
    exit();
  };

  useInput(
    (input, key) => {
      if (!(key.ctrl && input === 'c')) return;
      if (phase.kind === 'installing') {
        abort.current?.abort();
        setPhase({ kind: 'installing', stopping: true });
      } else if (phase.kind === 'asking') leave('cancel', false);
    },
    { isActive: true },
  );

  const startInstall = () => {
    const controller = new AbortController();
    abort.current = controller;
    setPhase({ kind: 'installing', stopping: false });
    engine.install(answers, onEvent, controller.signal).then(
      (result) => {
        setPhase({ kind: 'installed', lines: result.lines });
      },
      (error: unknown) => {
        const logPath = typeof error === 'object' && error !== null && 'logPath' in error ? String(error.logPath) : 'the installer log';
        setPhase({ kind: 'failed', message: error instanceof Error ? error.message : String(error), logPath });
      },
    );
  };

  if (phase.kind === 'installing') return <ProgressScreen progress={progress} stopping={phase.stopping} />;
  if (phase.kind === 'installed' || phase.kind === 'failed') {
    return (
      <DoneScreen
        outcome={phase.kind === 'installed' ? { kind: 'installed', lines: phase.lines } : phase}
        canReboot={model.canReboot}
        onChoose={(action) => {
          if (action === 'retry') {
            setPhase({ kind: 'asking' });
            return;
          }
          leave(action, phase.kind === 'installed');
        }}
      />
    );
  }

  const step = { index: wizard.index + 1, total: wizard.steps.length };
  const back = wizard.index > 0 ? () => dispatch({ type: 'back' }) : undefined;
  const common = { step, ...(back ? { onBack: back } : {}) };
  const current = currentStep(wizard);
  switch (current) {
    case 'welcome':
      return <WelcomeScreen key={current} {...common} locales={model.locales} locale={answers.locale} source={model.source} onNext={(locale) => dispatch({ type: 'next', patch: { locale } })} />;
    case 'keyboard':
      return <KeyboardScreen key={current} {...common} keyMaps={model.keyMaps} keyMap={answers.keyMap} onNext={(keyMap) => dispatch({ type: 'next', patch: { keyMap } })} />;
    case 'timezone':
      return <TimeZoneScreen key={current} {...common} timeZones={model.timeZones} timeZone={answers.timeZone} onNext={(timeZone) => dispatch({ type: 'next', patch: { timeZone } })} />;
    case 'hardware':
      return <HardwareScreen key={current} {...common} summary={model.hardware} onNext={() => dispatch({ type: 'next' })} />;
    case 'disk':
      return <DiskScreen key={current} {...common} disks={model.disks} disk={answers.disk} onNext={(disk) => dispatch({ type: 'next', patch: { disk } })} />;
    case 'layout':
      return (
        <LayoutScreen
          key={current}
          {...common}
          layout={answers.layout}
          preview={(choice) => engine.previewLayout(answers, choice)}
          guidedPartitions={(choice) => engine.guidedPartitions(answers, choice)}
          onNext={(layout) => dispatch({ type: 'next', patch: { layout } })}
        />
      );
    case 'users':
      return <UsersScreen key={current} {...common} hostName={answers.hostName} users={answers.users} hashPassword={(password) => engine.hashPassword(password)} onNext={(patch) => dispatch({ type: 'next', patch })} />;
    case 'generations':
      return <GenerationsScreen key={current} {...common} generations={model.generations} chosen={answers.generations} onNext={(generations) => dispatch({ type: 'next', patch: { generations } })} />;
    case 'summary': {
      const summary = engine.summarise(answers);
      return <SummaryScreen key={current} {...common} choices={summary.choices} erased={summary.erased} confirmName={summary.confirmName} onConfirm={startInstall} />;
    }
  }
}
