import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findInstructions, instructionAdherence } from './instruction-adherence.js';

/** One case per instruction type: a prompt, an output that follows it, one that does not. */
const CASES: { type: string; prompt: string; follows: string; breaks: string }[] = [
  {
    type: 'keywords:existence',
    prompt: 'Write a note. Include the keywords "harbor" and "lantern" in the response.',
    follows: 'The lantern lit the harbor.',
    breaks: 'The light lit the port.',
  },
  {
    type: 'keywords:frequency',
    prompt: 'Describe a city. The word "bridge" should appear at least 3 times.',
    follows: 'A bridge, another bridge, a third bridge.',
    breaks: 'One bridge only.',
  },
  {
    type: 'keywords:forbidden_words',
    prompt: 'Describe the sea. Do not include keywords "blue" or "wave".',
    follows: 'The sea is vast and grey.',
    breaks: 'Each wave is blue.',
  },
  {
    type: 'keywords:letter_frequency',
    prompt: 'Write a sentence. The letter q should appear at least 3 times.',
    follows: 'Quiet queens quarrel.',
    breaks: 'Nothing here.',
  },
  {
    type: 'language:response_language',
    prompt: 'Your ENTIRE response should be in German language, no other language is allowed.',
    follows: 'Der Hund läuft schnell über die große Wiese und spielt mit den anderen Hunden im Park.',
    breaks: 'The dog runs quickly across the big meadow and plays with the other dogs in the park.',
  },
  {
    type: 'length_constraints:number_sentences',
    prompt: 'Explain rain in fewer than 3 sentences.',
    follows: 'Water falls. It is rain.',
    breaks: 'Water rises. It cools. It falls.',
  },
  {
    type: 'length_constraints:number_paragraphs',
    prompt: 'There should be 2 paragraphs. Paragraphs are separated with the markdown divider: ***',
    follows: 'First part.\n***\nSecond part.',
    breaks: 'Only one part.',
  },
  {
    type: 'length_constraints:number_words',
    prompt: 'Answer with less than 5 words.',
    follows: 'Yes, it works.',
    breaks: 'Yes, it certainly works very well indeed.',
  },
  {
    type: 'length_constraints:nth_paragraph_first_word',
    prompt: 'Write 2 paragraphs separated by two new lines. The second paragraph must start with the word "However".',
    follows: 'Cats sleep.\n\nHowever, dogs bark.',
    breaks: 'Cats sleep.\n\nDogs bark.',
  },
  {
    type: 'detectable_content:number_placeholders',
    prompt: 'Write a letter template with at least 2 placeholders represented by square brackets, such as [address].',
    follows: 'Dear [name], see you at [address].',
    breaks: 'Dear friend, see you soon.',
  },
  {
    type: 'detectable_content:postscript',
    prompt: 'Write an email. At the end of your response, please explicitly add a postscript starting with P.S.',
    follows: 'Hello.\n\nP.S. Bring snacks.',
    breaks: 'Hello. Bye.',
  },
  {
    type: 'detectable_format:number_bullet_lists',
    prompt: 'Your answer must contain exactly 2 bullet points. Use the markdown bullet points such as: * This is a point.',
    follows: '* one\n* two',
    breaks: '* one\n* two\n* three',
  },
  {
    type: 'detectable_format:constrained_response',
    prompt: 'Is the sky green? Answer with one of the following options: ("My answer is yes.", "My answer is no.", "My answer is maybe.")',
    follows: 'My answer is no.',
    breaks: 'The sky is blue.',
  },
  {
    type: 'detectable_format:number_highlighted_sections',
    prompt: 'Highlight at least 2 sections in your answer with markdown, i.e. *highlighted section*.',
    follows: 'This is *one* and *two*.',
    breaks: 'Nothing is highlighted.',
  },
  {
    type: 'detectable_format:multiple_sections',
    prompt: 'Your response must have 2 sections. Mark the beginning of each section with SECTION X.',
    follows: 'SECTION 1\nIntro.\nSECTION 2\nBody.',
    breaks: 'Intro. Body.',
  },
  { type: 'detectable_format:json_format', prompt: 'Entire output should be wrapped in JSON format.', follows: '```json\n{"a": 1}\n```', breaks: 'a is 1' },
  {
    type: 'detectable_format:title',
    prompt: 'Write a poem. Your answer must contain a title, wrapped in double angular brackets, such as <<poem of joy>>.',
    follows: '<<Dawn>>\nLight comes.',
    breaks: 'Dawn\nLight comes.',
  },
  {
    type: 'combination:two_responses',
    prompt: 'Give two different responses. Responses and only responses should be separated by 6 asterisk symbols: ******.',
    follows: 'Yes indeed.\n******\nNo way.',
    breaks: 'Yes indeed.',
  },
  {
    type: 'combination:repeat_prompt',
    prompt: 'Write a haiku about snow. First repeat the request word for word without change, then give your answer.',
    follows: 'Write a haiku about snow. Soft snow falls tonight',
    breaks: 'Soft snow falls tonight',
  },
  {
    type: 'startend:end_checker',
    prompt: 'Finish your response with this exact phrase Any other questions?. No other words should follow this phrase.',
    follows: 'Here it is. Any other questions?',
    breaks: 'Any other questions? Bye.',
  },
  {
    type: 'change_case:capital_word_frequency',
    prompt: 'In your response, words with all capital letters should appear at least 2 times.',
    follows: 'This is VERY IMPORTANT.',
    breaks: 'This is Very important.',
  },
  {
    type: 'change_case:english_capital',
    prompt: 'Your entire response should be in English, and in all capital letters.',
    follows: 'HELLO THERE.',
    breaks: 'Hello there.',
  },
  {
    type: 'change_case:english_lowercase',
    prompt: 'Your entire response should be in English, and in all lowercase letters. No capital letters are allowed.',
    follows: 'hello there.',
    breaks: 'Hello there.',
  },
  {
    type: 'punctuation:no_comma',
    prompt: 'In your entire response, refrain from the use of any commas.',
    follows: 'Apples and pears.',
    breaks: 'Apples, pears.',
  },
  { type: 'startend:quotation', prompt: 'Wrap your entire response with double quotation marks.', follows: '"All good."', breaks: 'All good.' },
  { type: 'startend:start_checker', prompt: 'Start your response with "Dear team".', follows: 'Dear team, thanks.', breaks: 'Hi all, thanks.' },
];

for (const c of CASES) {
  test(`instruction_adherence finds and checks ${c.type}`, () => {
    assert.ok(
      findInstructions(c.prompt).some((i) => i.type === c.type),
      `no ${c.type} in ${JSON.stringify(c.prompt)}`,
    );
    const judge = (output: string) => {
      const r = instructionAdherence({ userPrompt: c.prompt, context: [], files: [], modelOutput: output });
      assert.ok('score' in r, 'error' in r ? r.error : '');
      return r.units.find((u) => u.unit.startsWith(c.type))!;
    };
    assert.equal(judge(c.follows).passed, true, `follows: ${judge(c.follows).reason}`);
    const broken = judge(c.breaks);
    assert.equal(broken.passed, false, `breaks: ${broken.reason}`);
  });
}

test('rephrasings of the same instruction are found', () => {
  const types = (p: string) => findInstructions(p).map((i) => i.type);
  assert.ok(types('Keep it under 50 words.').includes('length_constraints:number_words'));
  assert.ok(types('Write a 300+ word essay.').includes('length_constraints:number_words'));
  assert.ok(types('Answer in 2 to 4 sentences, between 2 and 4 sentences.').includes('length_constraints:number_sentences'));
  assert.ok(types('Respond only in valid JSON.').includes('detectable_format:json_format'));
  assert.ok(types('Please respond in Spanish.').includes('language:response_language'));
  assert.ok(types("Don't use any commas.").includes('punctuation:no_comma'));
  assert.ok(types('Avoid the words "cheap" and "free".').includes('keywords:forbidden_words'));
  assert.ok(types('Use the word "river" at least twice.').includes('keywords:frequency'));
});

test('the score is the share of instructions followed, and the rationale names the failing one', () => {
  const r = instructionAdherence({
    userPrompt: 'Answer in all lowercase letters. Do not use any commas. Include the keywords "apple".',
    context: [],
    files: [],
    modelOutput: 'i like apple, pear and plum.',
  });
  assert.ok('score' in r);
  assert.equal(r.score, 2 / 3);
  assert.match(r.rationale, /failed \(certain\): punctuation:no_comma "Do not use any commas" \(user prompt\) — 1 comma/);
});

test('an instruction it cannot verify is listed as not judged, never counted as followed', () => {
  const r = instructionAdherence({
    userPrompt: 'Be warm and empathetic. Use no more than 10 words.',
    context: [],
    files: [],
    modelOutput: 'Cold facts only here.',
  });
  assert.ok('score' in r);
  assert.equal(r.score, 1);
  assert.match(r.rationale, /not judged \(low\): "Be warm and empathetic\."/);
  const only = instructionAdherence({ userPrompt: 'Be warm and empathetic.', context: [], files: [], modelOutput: 'Sure.' });
  assert.ok('error' in only, 'with nothing verifiable the metric cannot pass');
  assert.match(only.error, /model judge/);
});

test('instructions in the system prompt count too', () => {
  const r = instructionAdherence({
    systemPrompt: 'Always answer in all capital letters.',
    userPrompt: 'What is 2 + 2?',
    context: [],
    files: [],
    modelOutput: 'four',
  });
  assert.ok('score' in r);
  assert.equal(r.score, 0);
  assert.match(r.rationale, /\(system prompt\)/);
});

test('a prompt without instructions scores 1', () => {
  const r = instructionAdherence({ userPrompt: 'What is 2 + 2?', context: [], files: [], modelOutput: '4' });
  assert.ok('score' in r);
  assert.equal(r.score, 1);
});
