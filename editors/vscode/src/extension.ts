// The client side: start `sladsl lsp` for .sla files and let vscode-languageclient speak the protocol.
// Everything the editor shows (diagnostics, hover, definitions, completion, formatting, quick fixes) comes
// from the server, which is the sladsl library itself; this file only says how to start it.
import * as vscode from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const settings = vscode.workspace.getConfiguration("sladsl");
  const command = settings.get<string>("server.command", "sladsl");
  const args = [...settings.get<string[]>("server.args", []), "lsp"];
  const server: ServerOptions = { command, args, transport: TransportKind.stdio };
  const options: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "sla" },
      { scheme: "untitled", language: "sla" },
    ],
  };
  client = new LanguageClient("sladsl", "sladsl language server", server, options);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("sladsl.server") && client !== undefined) {
        await client.restart();
      }
    }),
  );
  try {
    await client.start();
  } catch (error) {
    void vscode.window.showErrorMessage(
      `sladsl: could not start \`${command} ${args.join(" ")}\` (${String(error)}). ` +
        "Install sladsl (pip install sladsl) or set sladsl.server.command to its path.",
    );
  }
}

export async function deactivate(): Promise<void> {
  if (client !== undefined) {
    await client.stop();
  }
}
