// The fixture of the MCP conformance suite's server scenarios, as a
// component: each tool, prompt, resource and completion a scenario asks for,
// with the names, arguments and contents the suite's descriptions give.
// Tools that ask the client (sampling, elicitation) go through
// mcpkit:host/client, so the host's policy decides them; logs and progress
// go through mcpkit:host; waits use wasi:clocks.

import { createMessage, elicit } from 'mcpkit:host/client@0.1.0';
import { log } from 'mcpkit:host/log@0.1.0';
import { report } from 'mcpkit:host/progress@0.1.0';
import { subscribeDuration } from 'wasi:clocks/monotonic-clock@0.2.12';

/** A 1x1 red PNG (RGB, one deflated scanline). */
const PNG = new Uint8Array([
  137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0,
  0, 144, 119, 83, 222, 0, 0, 0, 12, 73, 68, 65, 84, 120, 218, 99, 248, 207, 192, 0, 0, 3, 1, 1, 0,
  247, 3, 65, 67, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
]);

/** A WAV file: 8 kHz, mono, 8-bit, eight samples of silence. */
const WAV = new Uint8Array([
  82, 73, 70, 70, 44, 0, 0, 0, 87, 65, 86, 69, 102, 109, 116, 32, 16, 0, 0, 0, 1, 0, 1, 0, 64, 31,
  0, 0, 64, 31, 0, 0, 1, 0, 8, 0, 100, 97, 116, 97, 8, 0, 0, 0, 128, 128, 128, 128, 128, 128, 128,
  128,
]);

function sleep(ms) {
  subscribeDuration(BigInt(ms) * 1_000_000n).block();
}

const text = (t) => ({ tag: 'text', val: t });
const image = () => ({ tag: 'image', val: { data: PNG, mimeType: 'image/png' } });
const embedded = (uri, mimeType, body) => ({
  tag: 'embedded',
  val: { uri, mimeType, body: { tag: 'text', val: body } },
});
const result = (content, isError = false) => ({ content, structuredContent: undefined, isError });

const NO_ARGS = JSON.stringify({ type: 'object', properties: {} });
const stringArg = (name, description) =>
  JSON.stringify({
    type: 'object',
    properties: { [name]: { type: 'string', description } },
    required: [name],
  });

const TOOLS = {
  test_simple_text: {
    description: 'Returns simple text content',
    call: () => result([text('This is a simple text response for testing.')]),
  },
  test_image_content: {
    description: 'Returns image content (a 1x1 red PNG)',
    call: () => result([image()]),
  },
  test_audio_content: {
    description: 'Returns audio content (a short WAV)',
    call: () => result([{ tag: 'audio', val: { data: WAV, mimeType: 'audio/wav' } }]),
  },
  test_embedded_resource: {
    description: 'Returns an embedded resource',
    call: () =>
      result([
        embedded('test://embedded-resource', 'text/plain', 'This is an embedded resource content.'),
      ]),
  },
  test_multiple_content_types: {
    description: 'Returns text, image and resource content',
    call: () =>
      result([
        text('Multiple content types test:'),
        image(),
        embedded(
          'test://mixed-content-resource',
          'application/json',
          JSON.stringify({ test: 'data', value: 123 }),
        ),
      ]),
  },
  test_tool_with_logging: {
    description: 'Sends three info log messages, 50 ms apart, while it runs',
    call: () => {
      log('info', 'Tool execution started');
      sleep(50);
      log('info', 'Tool processing data');
      sleep(50);
      log('info', 'Tool execution completed');
      return result([text('Tool with logging executed successfully')]);
    },
  },
  test_error_handling: {
    description: 'Always fails',
    call: () => result([text('This tool intentionally returns an error for testing')], true),
  },
  test_tool_with_progress: {
    description: 'Reports progress 0, 50 and 100 of 100, 50 ms apart',
    call: () => {
      report(0, 100, undefined);
      sleep(50);
      report(50, 100, undefined);
      sleep(50);
      report(100, 100, undefined);
      return result([text('Tool with progress executed successfully')]);
    },
  },
  test_sampling: {
    description: "Asks the client's model to answer a prompt",
    schema: stringArg('prompt', 'The prompt to send to the LLM'),
    call: ({ prompt }) => {
      const answer = JSON.parse(
        createMessage(
          JSON.stringify({
            messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
            maxTokens: 100,
          }),
        ),
      );
      const said = answer.content && answer.content.type === 'text' ? answer.content.text : '';
      return result([text(`LLM response: ${said}`)]);
    },
  },
  test_elicitation: {
    description: 'Asks the user for a username and an email address',
    schema: stringArg('message', 'The message to show the user'),
    call: ({ message }) => {
      const r = elicit(
        message,
        JSON.stringify({
          type: 'object',
          properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          required: ['username', 'email'],
        }),
      );
      return result([text(`User response: action=${r.action}, content=${r.content ?? '{}'}`)]);
    },
  },
  test_elicitation_sep1034_defaults: {
    description: 'Asks the user for fields of every primitive type, each with a default',
    call: () => {
      const r = elicit(
        'Please review and update the form fields with defaults',
        JSON.stringify({
          type: 'object',
          properties: {
            name: { type: 'string', description: 'User name', default: 'John Doe' },
            age: { type: 'integer', description: 'User age', default: 30 },
            score: { type: 'number', description: 'User score', default: 95.5 },
            status: {
              type: 'string',
              description: 'User status',
              enum: ['active', 'inactive', 'pending'],
              default: 'active',
            },
            verified: { type: 'boolean', description: 'Verification status', default: true },
          },
        }),
      );
      return result([
        text(`Elicitation completed: action=${r.action}, content=${r.content ?? '{}'}`),
      ]);
    },
  },
  test_elicitation_sep1330_enums: {
    description: 'Asks the user to choose, in each of the five enum forms',
    call: () => {
      const r = elicit(
        'Please select options from the enum fields',
        JSON.stringify({
          type: 'object',
          properties: {
            untitledSingle: {
              type: 'string',
              description: 'Choose one option',
              enum: ['option1', 'option2', 'option3'],
            },
            titledSingle: {
              type: 'string',
              description: 'Choose one titled option',
              oneOf: [
                { const: 'value1', title: 'First Option' },
                { const: 'value2', title: 'Second Option' },
                { const: 'value3', title: 'Third Option' },
              ],
            },
            legacyEnum: {
              type: 'string',
              description: 'Choose one legacy option',
              enum: ['opt1', 'opt2', 'opt3'],
              enumNames: ['Option One', 'Option Two', 'Option Three'],
            },
            untitledMulti: {
              type: 'array',
              description: 'Choose several options',
              items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
            },
            titledMulti: {
              type: 'array',
              description: 'Choose several titled options',
              items: {
                anyOf: [
                  { const: 'value1', title: 'First Choice' },
                  { const: 'value2', title: 'Second Choice' },
                  { const: 'value3', title: 'Third Choice' },
                ],
              },
            },
          },
        }),
      );
      return result([
        text(`Elicitation completed: action=${r.action}, content=${r.content ?? '{}'}`),
      ]);
    },
  },
  json_schema_2020_12_tool: {
    description: 'Tool with JSON Schema 2020-12 features',
    schema: JSON.stringify({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: {
        address: {
          type: 'object',
          properties: { street: { type: 'string' }, city: { type: 'string' } },
        },
      },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    }),
    call: (args) => result([text(`Received: ${JSON.stringify(args)}`)]),
  },
};

export const toolProvider = {
  listTools() {
    return Object.entries(TOOLS).map(([name, t]) => ({
      name,
      title: undefined,
      description: t.description,
      inputSchema: t.schema ?? NO_ARGS,
      outputSchema: undefined,
      annotations: undefined,
    }));
  },
  callTool(name, args) {
    const t = TOOLS[name];
    if (!t) return result([text(`no tool ${name}`)], true);
    try {
      return t.call(JSON.parse(args));
    } catch (error) {
      // A host refusal arrives as an error whose payload says why.
      const why = error && error.payload !== undefined ? error.payload : String(error);
      return result([text(`refused: ${why}`)], true);
    }
  },
};

const arg = (name, description) => ({ name, title: undefined, description, required: true });

const PROMPTS = {
  test_simple_prompt: {
    description: 'A simple prompt without arguments',
    arguments: [],
    get: () => [{ role: 'user', content: text('This is a simple prompt for testing.') }],
  },
  test_prompt_with_arguments: {
    description: 'A prompt with two required arguments',
    arguments: [arg('arg1', 'First test argument'), arg('arg2', 'Second test argument')],
    get: (a) => [
      {
        role: 'user',
        content: text(`Prompt with arguments: arg1='${a.arg1}', arg2='${a.arg2}'`),
      },
    ],
  },
  test_prompt_with_embedded_resource: {
    description: 'A prompt that embeds a resource',
    arguments: [arg('resourceUri', 'URI of the resource to embed')],
    get: (a) => [
      {
        role: 'user',
        content: embedded(a.resourceUri, 'text/plain', 'Embedded resource content for testing.'),
      },
      { role: 'user', content: text('Please process the embedded resource above.') },
    ],
  },
  test_prompt_with_image: {
    description: 'A prompt with an image',
    arguments: [],
    get: () => [
      { role: 'user', content: image() },
      { role: 'user', content: text('Please analyze the image above.') },
    ],
  },
};

export const promptProvider = {
  listPrompts() {
    return Object.entries(PROMPTS).map(([name, p]) => ({
      name,
      title: undefined,
      description: p.description,
      arguments: p.arguments,
    }));
  },
  getPrompt(name, args) {
    const p = PROMPTS[name];
    if (!p) throw `no prompt ${name}`;
    return { description: p.description, messages: p.get(Object.fromEntries(args)) };
  },
};

const RESOURCES = {
  'test://static-text': {
    name: 'static-text',
    description: 'A static text resource',
    mimeType: 'text/plain',
    body: { tag: 'text', val: 'This is the content of the static text resource.' },
  },
  'test://static-binary': {
    name: 'static-binary',
    description: 'A static binary resource (a PNG)',
    mimeType: 'image/png',
    body: { tag: 'blob', val: PNG },
  },
  'test://watched-resource': {
    name: 'watched-resource',
    description: 'A resource to subscribe to',
    mimeType: 'text/plain',
    body: { tag: 'text', val: 'Watched resource content' },
  },
};

const TEMPLATE = 'test://template/{id}/data';

export const resourceProvider = {
  listResources() {
    return Object.entries(RESOURCES).map(([uri, r]) => ({
      uri,
      name: r.name,
      title: undefined,
      description: r.description,
      mimeType: r.mimeType,
      size: undefined,
    }));
  },
  listResourceTemplates() {
    return [
      {
        uriTemplate: TEMPLATE,
        name: 'template-data',
        title: undefined,
        description: 'Data for one id',
        mimeType: 'application/json',
      },
    ];
  },
  readResource(uri, variables) {
    const r = RESOURCES[uri];
    if (r) return [{ uri, mimeType: r.mimeType, body: r.body }];
    const vars = Object.fromEntries(variables);
    if (vars.id === undefined) throw `no resource ${uri}`;
    const data = { id: vars.id, templateTest: true, data: `Data for ID: ${vars.id}` };
    return [
      { uri, mimeType: 'application/json', body: { tag: 'text', val: JSON.stringify(data) } },
    ];
  },
};

const SUGGESTIONS = ['paris', 'park', 'party', 'test', 'testing', 'tested'];

export const completionProvider = {
  complete(_ref, _argument, value, _context) {
    const values = SUGGESTIONS.filter((s) => s.startsWith(value));
    return { values, total: values.length, hasMore: false };
  },
};
