import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node.js';
import type { MessageConnection } from 'vscode-jsonrpc/node.js';

/** An LSP position (0-based line and character). */
export interface LspPosition {
  readonly line: number;
  readonly character: number;
}

/** One diagnostic as yaml-language-server publishes it. */
export interface LspDiagnostic {
  readonly range: { readonly start: LspPosition; readonly end: LspPosition };
  readonly message: string;
  /** 1 error, 2 warning, 3 information, 4 hint. */
  readonly severity?: number;
  readonly source?: string;
}

/** The `yaml.*` settings the client sends, as VS Code's settings.json holds them. */
export interface YamlSettings {
  /** Schema URI (file URL) → glob patterns or file URIs of the documents it applies to. */
  readonly schemas: Record<string, string[]>;
  readonly customTags: readonly string[];
}

/** Generous: the machine is shared by several test runs; a first schema load compiles it. */
const DIAGNOSTICS_TIMEOUT_MS = 30_000;

/**
 * A client of the real yaml-language-server (the npm package VS Code's YAML extension runs),
 * spawned once and spoken to over stdio with JSON-RPC, as an editor does: initialize, the
 * `yaml.*` configuration, didOpen, and then diagnostics, completion and hover.
 */
export class YamlLanguageClient {
  private readonly diagnostics = new Map<string, { version: number; items: LspDiagnostic[] }>();
  private readonly waiters = new Map<string, (items: LspDiagnostic[]) => void>();
  private version = 0;

  private constructor(
    private readonly server: ChildProcess,
    private readonly connection: MessageConnection,
  ) {}

  /** Spawns the server from node_modules, initializes it for `rootPath` and sends the settings. */
  static async start(rootPath: string, settings: YamlSettings): Promise<YamlLanguageClient> {
    const require = createRequire(import.meta.url);
    const serverScript = require.resolve('yaml-language-server/bin/yaml-language-server');
    const server = spawn(process.execPath, [serverScript, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    server.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const connection = createMessageConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
    const client = new YamlLanguageClient(server, connection);
    connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; version?: number; diagnostics: LspDiagnostic[] }) => {
      client.diagnostics.set(params.uri, { version: params.version ?? -1, items: params.diagnostics });
      client.waiters.get(params.uri)?.(params.diagnostics);
    });
    // The server asks for configuration and registrations; answer as an editor would.
    connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
      params.items.map((item) => (item.section === 'yaml' ? client.yamlSection(settings) : null)),
    );
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onNotification('window/logMessage', () => undefined);
    connection.onNotification('telemetry/event', () => undefined);
    connection.listen();
    server.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`yaml-language-server exited ${code}: ${stderr}\n`);
    });
    const rootUri = pathToFileURL(rootPath).href;
    await connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'workspace' }],
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: {
          publishDiagnostics: { relatedInformation: false },
          completion: { completionItem: { snippetSupport: true, documentationFormat: ['markdown', 'plaintext'] } },
          hover: { contentFormat: ['markdown', 'plaintext'] },
        },
      },
      initializationOptions: {},
    });
    await connection.sendNotification('initialized', {});
    await connection.sendNotification('workspace/didChangeConfiguration', { settings: { yaml: client.yamlSection(settings) } });
    return client;
  }

  private yamlSection(settings: YamlSettings): Record<string, unknown> {
    return {
      validate: true,
      hover: true,
      completion: true,
      format: { enable: false },
      schemaStore: { enable: false },
      schemas: settings.schemas,
      customTags: settings.customTags,
    };
  }

  /** Opens a document (from disk unless `text` is given) and waits for its diagnostics. */
  async open(path: string, text = readFileSync(path, 'utf8')): Promise<LspDiagnostic[]> {
    const uri = pathToFileURL(path).href;
    this.version += 1;
    const published = new Promise<LspDiagnostic[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${path} within ${DIAGNOSTICS_TIMEOUT_MS} ms`)), DIAGNOSTICS_TIMEOUT_MS);
      this.waiters.set(uri, (items) => {
        clearTimeout(timer);
        this.waiters.delete(uri);
        resolve(items);
      });
    });
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version: this.version, text } });
    return published;
  }

  /**
   * Closes a document so that a later open of the same path is validated afresh, and waits for
   * the server to clear its diagnostics: that (empty) publication must not be taken for the
   * diagnostics of the next open.
   */
  async close(path: string): Promise<void> {
    const uri = pathToFileURL(path).href;
    const cleared = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5000);
      this.waiters.set(uri, () => {
        clearTimeout(timer);
        this.waiters.delete(uri);
        resolve();
      });
    });
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    await cleared;
  }

  /** The labels of the completion items offered at a position of an open document. */
  async completionLabels(path: string, position: LspPosition): Promise<string[]> {
    const result = await this.connection.sendRequest<{ items: { label: string }[] } | { label: string }[] | null>('textDocument/completion', {
      textDocument: { uri: pathToFileURL(path).href },
      position,
    });
    const items = result === null ? [] : Array.isArray(result) ? result : result.items;
    return items.map((item) => item.label);
  }

  /** The hover text (markdown or plain) at a position of an open document; '' when none. */
  async hover(path: string, position: LspPosition): Promise<string> {
    const result = await this.connection.sendRequest<{ contents: string | { value: string } | ({ value: string } | string)[] } | null>('textDocument/hover', {
      textDocument: { uri: pathToFileURL(path).href },
      position,
    });
    if (result === null) return '';
    const contents = result.contents;
    if (typeof contents === 'string') return contents;
    if (Array.isArray(contents)) return contents.map((part) => (typeof part === 'string' ? part : part.value)).join('\n');
    return contents.value;
  }

  /** Shuts the server down the LSP way, and kills it if it does not exit. */
  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((resolve) => setTimeout(resolve, 5000))]);
      await this.connection.sendNotification('exit');
    } finally {
      this.connection.dispose();
      if (this.server.exitCode === null) this.server.kill();
    }
  }
}
