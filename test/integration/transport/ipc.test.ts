// Electron IPC binding with a fake ipcMain: ops through one channel, events forwarded, foreign senders refused.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { Service } from '../../../src-main/service/service.js';
import { bindIpc, type IpcInvokeEventLike, type IpcMainLike, type WebContentsLike } from '../../../src-main/transport/ipc.js';
import { IPC_CALL, IPC_DIALOG, IPC_EVENT, type IpcEventMessage, type IpcReply } from '../../../src-main/api/ipc.js';
import { fakeDeps, tempDir } from '../../unit/service/fakes.js';

class FakeIpcMain implements IpcMainLike {
  handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, event: IpcInvokeEventLike, ...args: unknown[]): Promise<IpcReply> {
    const h = this.handlers.get(channel);
    if (!h) throw new Error(`no handler for ${channel}`);
    return Promise.resolve(h(event, ...args)) as Promise<IpcReply>;
  }
}

function fakeContents(id: number): WebContentsLike & { sent: { channel: string; args: unknown[] }[] } {
  const sent: { channel: string; args: unknown[] }[] = [];
  return { id, sent, send: (channel, ...args) => sent.push({ channel, args }), isDestroyed: () => false };
}

let tmp: ReturnType<typeof tempDir>;
let service: Service;
let ipc: FakeIpcMain;
let main: ReturnType<typeof fakeContents>;
let unbind: () => void;
const dialogCalls: unknown[] = [];

beforeEach(() => {
  tmp = tempDir();
  service = new Service({ mode: 'electron', deps: fakeDeps() });
  ipc = new FakeIpcMain();
  main = fakeContents(1);
  unbind = bindIpc({
    ipcMain: ipc,
    service,
    mainWebContents: () => main,
    showFileDialog: async (o) => {
      dialogCalls.push(o);
      return '/chosen/file.kps';
    },
  });
});

afterEach(async () => {
  unbind();
  await service.shutdown();
  tmp.cleanup();
});

const fromApp = (): IpcInvokeEventLike => ({ sender: main, senderFrame: { url: 'app://renderer/index.html' } });

describe('IPC binding', () => {
  it('runs any op of the table through one channel and returns errors as values', async () => {
    const info = await ipc.invoke(IPC_CALL, fromApp(), { op: 'app.info', req: {} });
    expect(info).toEqual({ ok: true, value: expect.objectContaining({ mode: 'electron' }) });
    const created = await ipc.invoke(IPC_CALL, fromApp(), { op: 'project.create', req: { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' } });
    expect(created.ok).toBe(true);
    const bad = await ipc.invoke(IPC_CALL, fromApp(), { op: 'samples.delete', req: { ids: 'all' } });
    expect(bad).toEqual({ ok: false, error: { code: 'bad-input', message: 'samples.delete: "ids" must be an array of sample ids' } });
    const unknown = await ipc.invoke(IPC_CALL, fromApp(), { op: 'fs.readFile', req: { path: '/etc/passwd' } });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const malformed = await ipc.invoke(IPC_CALL, fromApp(), 'project.info');
    expect(malformed).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('forwards service events to the main window on kps:event', async () => {
    await ipc.invoke(IPC_CALL, fromApp(), { op: 'project.create', req: { path: join(tmp.dir, 'p.kps'), schema: 'kaggle-15' } });
    const file = join(tmp.dir, 'd.txt');
    writeFileSync(file, '4');
    const started = await ipc.invoke(IPC_CALL, fromApp(), { op: 'import.start', req: { path: file, format: 'kaggle-csv' } });
    const jobId = (started as { value: { jobId: string } }).value.jobId;
    await service.call('job.wait', { jobId });
    const events = main.sent.filter((m) => m.channel === IPC_EVENT).map((m) => m.args[0] as IpcEventMessage);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['project.changed', 'job.progress', 'job.ended', 'dataset.changed']));
    expect(events.find((e) => e.event === 'job.ended')!.payload).toMatchObject({ jobId, state: 'done' });
  });

  it('refuses messages from another webContents or a foreign origin, and runs nothing', async () => {
    const path = join(tmp.dir, 'evil.kps');
    const other = fakeContents(2);
    const foreignWindow = await ipc.invoke(IPC_CALL, { sender: other, senderFrame: { url: 'app://renderer/index.html' } }, {
      op: 'project.create',
      req: { path, schema: 'kaggle-15' },
    });
    expect(foreignWindow).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    const foreignOrigin = await ipc.invoke(IPC_CALL, { sender: main, senderFrame: { url: 'https://evil.example/x.html' } }, {
      op: 'project.create',
      req: { path, schema: 'kaggle-15' },
    });
    expect(foreignOrigin).toMatchObject({ ok: false, error: { code: 'unauthorized', message: expect.stringContaining('https://evil.example') } });
    const noFrame = await ipc.invoke(IPC_CALL, { sender: main, senderFrame: null }, { op: 'app.info', req: {} });
    expect(noFrame.ok).toBe(false);
    const dialog = await ipc.invoke(IPC_DIALOG, { sender: other, senderFrame: { url: 'app://renderer/' } }, {});
    expect(dialog.ok).toBe(false);
    expect(await service.call('project.info', {})).toBeNull();
  });

  it('opens a file dialog for the main window with checked options', async () => {
    const ok = await ipc.invoke(IPC_DIALOG, fromApp(), { title: 'Open project', filters: [{ name: 'Projects', extensions: ['kps'] }] });
    expect(ok).toEqual({ ok: true, value: '/chosen/file.kps' });
    expect(dialogCalls.at(-1)).toEqual({ title: 'Open project', filters: [{ name: 'Projects', extensions: ['kps'] }] });
    const bad = await ipc.invoke(IPC_DIALOG, fromApp(), { filters: 'kps' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('unbinding removes the handlers', () => {
    unbind();
    expect(ipc.handlers.size).toBe(0);
    unbind = () => {};
  });
});
