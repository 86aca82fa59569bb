"""Reference BERT tokenizer: a faithful port of Hugging Face transformers' slow `BertTokenizer`
(models/bert/tokenization_bert.py: BasicTokenizer + WordpieceTokenizer) and of the parts of
`PreTrainedTokenizer` it relies on (tokenize: per-character lower-casing outside special tokens and the
special-token split; build_inputs_with_special_tokens; truncate_sequences 'longest_first'; padding).

transformers itself cannot be installed on the project's machines (no PyPI), so this port is the
generator of test/fixtures/bert/tokenizer-cases.json. Used only to generate fixtures, never at run time.
"""
import collections
import re
import unicodedata


def load_vocab(vocab_file):
    vocab = collections.OrderedDict()
    with open(vocab_file, "r", encoding="utf-8") as reader:
        tokens = reader.readlines()
    for index, token in enumerate(tokens):
        token = token.rstrip("\n")
        vocab[token] = index
    return vocab


def whitespace_tokenize(text):
    text = text.strip()
    if not text:
        return []
    return text.split()


def _is_whitespace(char):
    if char == " " or char == "\t" or char == "\n" or char == "\r":
        return True
    cat = unicodedata.category(char)
    if cat == "Zs":
        return True
    return False


def _is_control(char):
    if char == "\t" or char == "\n" or char == "\r":
        return False
    cat = unicodedata.category(char)
    if cat.startswith("C"):
        return True
    return False


def _is_punctuation(char):
    cp = ord(char)
    if (cp >= 33 and cp <= 47) or (cp >= 58 and cp <= 64) or (cp >= 91 and cp <= 96) or (cp >= 123 and cp <= 126):
        return True
    cat = unicodedata.category(char)
    if cat.startswith("P"):
        return True
    return False


class BasicTokenizer:
    def __init__(self, do_lower_case=True, never_split=None, tokenize_chinese_chars=True, strip_accents=None,
                 do_split_on_punc=True):
        if never_split is None:
            never_split = []
        self.do_lower_case = do_lower_case
        self.never_split = set(never_split)
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        self.do_split_on_punc = do_split_on_punc

    def tokenize(self, text, never_split=None):
        never_split = self.never_split.union(set(never_split)) if never_split else self.never_split
        text = self._clean_text(text)
        if self.tokenize_chinese_chars:
            text = self._tokenize_chinese_chars(text)
        unicode_normalized_text = unicodedata.normalize("NFC", text)
        orig_tokens = whitespace_tokenize(unicode_normalized_text)
        split_tokens = []
        for token in orig_tokens:
            if token not in never_split:
                if self.do_lower_case:
                    token = token.lower()
                    if self.strip_accents is not False:
                        token = self._run_strip_accents(token)
                elif self.strip_accents:
                    token = self._run_strip_accents(token)
            split_tokens.extend(self._run_split_on_punc(token, never_split))
        output_tokens = whitespace_tokenize(" ".join(split_tokens))
        return output_tokens

    def _run_strip_accents(self, text):
        text = unicodedata.normalize("NFD", text)
        output = []
        for char in text:
            cat = unicodedata.category(char)
            if cat == "Mn":
                continue
            output.append(char)
        return "".join(output)

    def _run_split_on_punc(self, text, never_split=None):
        if not self.do_split_on_punc or (never_split is not None and text in never_split):
            return [text]
        chars = list(text)
        i = 0
        start_new_word = True
        output = []
        while i < len(chars):
            char = chars[i]
            if _is_punctuation(char):
                output.append([char])
                start_new_word = True
            else:
                if start_new_word:
                    output.append([])
                start_new_word = False
                output[-1].append(char)
            i += 1
        return ["".join(x) for x in output]

    def _tokenize_chinese_chars(self, text):
        output = []
        for char in text:
            cp = ord(char)
            if self._is_chinese_char(cp):
                output.append(" ")
                output.append(char)
                output.append(" ")
            else:
                output.append(char)
        return "".join(output)

    def _is_chinese_char(self, cp):
        if (
            (cp >= 0x4E00 and cp <= 0x9FFF)
            or (cp >= 0x3400 and cp <= 0x4DBF)
            or (cp >= 0x20000 and cp <= 0x2A6DF)
            or (cp >= 0x2A700 and cp <= 0x2B73F)
            or (cp >= 0x2B740 and cp <= 0x2B81F)
            or (cp >= 0x2B820 and cp <= 0x2CEAF)
            or (cp >= 0xF900 and cp <= 0xFAFF)
            or (cp >= 0x2F800 and cp <= 0x2FA1F)
        ):
            return True
        return False

    def _clean_text(self, text):
        output = []
        for char in text:
            cp = ord(char)
            if cp == 0 or cp == 0xFFFD or _is_control(char):
                continue
            if _is_whitespace(char):
                output.append(" ")
            else:
                output.append(char)
        return "".join(output)


class WordpieceTokenizer:
    def __init__(self, vocab, unk_token, max_input_chars_per_word=100):
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word

    def tokenize(self, text):
        output_tokens = []
        for token in whitespace_tokenize(text):
            chars = list(token)
            if len(chars) > self.max_input_chars_per_word:
                output_tokens.append(self.unk_token)
                continue
            is_bad = False
            start = 0
            sub_tokens = []
            while start < len(chars):
                end = len(chars)
                cur_substr = None
                while start < end:
                    substr = "".join(chars[start:end])
                    if start > 0:
                        substr = "##" + substr
                    if substr in self.vocab:
                        cur_substr = substr
                        break
                    end -= 1
                if cur_substr is None:
                    is_bad = True
                    break
                sub_tokens.append(cur_substr)
                start = end
            if is_bad:
                output_tokens.append(self.unk_token)
            else:
                output_tokens.extend(sub_tokens)
        return output_tokens


class Trie:
    """transformers.tokenization_utils.Trie.split, for a handful of tokens: leftmost-longest match."""

    def __init__(self, tokens):
        self.tokens = sorted(set(tokens), key=len, reverse=True)

    def split(self, text):
        out, start, pos = [], 0, 0
        while pos < len(text):
            hit = next((t for t in self.tokens if text.startswith(t, pos)), None)
            if hit:
                if pos > start:
                    out.append(text[start:pos])
                out.append(hit)
                pos += len(hit)
                start = pos
            else:
                pos += 1
        if start < len(text):
            out.append(text[start:])
        return out


class BertTokenizer:
    def __init__(self, vocab_file, do_lower_case=True, do_basic_tokenize=True, never_split=None, unk_token="[UNK]",
                 sep_token="[SEP]", pad_token="[PAD]", cls_token="[CLS]", mask_token="[MASK]",
                 tokenize_chinese_chars=True, strip_accents=None, model_max_length=512):
        self.vocab = load_vocab(vocab_file)
        self.ids_to_tokens = collections.OrderedDict([(ids, tok) for tok, ids in self.vocab.items()])
        self.do_basic_tokenize = do_basic_tokenize
        self.do_lower_case = do_lower_case
        self.unk_token, self.sep_token, self.pad_token, self.cls_token, self.mask_token = (
            unk_token, sep_token, pad_token, cls_token, mask_token)
        self.all_special_tokens = [unk_token, sep_token, pad_token, cls_token, mask_token]
        self.model_max_length = model_max_length
        if do_basic_tokenize:
            self.basic_tokenizer = BasicTokenizer(do_lower_case=do_lower_case, never_split=never_split,
                                                  tokenize_chinese_chars=tokenize_chinese_chars,
                                                  strip_accents=strip_accents)
        self.wordpiece_tokenizer = WordpieceTokenizer(vocab=self.vocab, unk_token=self.unk_token)
        self.tokens_trie = Trie(self.all_special_tokens)

    # PreTrainedTokenizer.tokenize
    def tokenize(self, text):
        if self.do_lower_case:
            escaped_special_toks = [re.escape(s_tok) for s_tok in self.all_special_tokens]
            pattern = r"(" + r"|".join(escaped_special_toks) + r")|" + r"(.+?)"
            text = re.sub(pattern, lambda m: m.groups()[0] or m.groups()[1].lower(), text)
        no_split_token = set(self.all_special_tokens)
        tokens = self.tokens_trie.split(text)
        tokenized_text = []
        for token in tokens:
            if not token:
                continue
            if token in no_split_token:
                tokenized_text.append(token)
            else:
                tokenized_text.extend(self._tokenize(token))
        return tokenized_text

    def _tokenize(self, text):
        split_tokens = []
        if self.do_basic_tokenize:
            for token in self.basic_tokenizer.tokenize(text, never_split=self.all_special_tokens):
                if token in self.basic_tokenizer.never_split:
                    split_tokens.append(token)
                else:
                    split_tokens += self.wordpiece_tokenizer.tokenize(token)
        else:
            split_tokens = self.wordpiece_tokenizer.tokenize(text)
        return split_tokens

    def convert_tokens_to_ids(self, tokens):
        return [self.vocab.get(t, self.vocab.get(self.unk_token)) for t in tokens]

    # PreTrainedTokenizerBase.truncate_sequences, 'longest_first'
    @staticmethod
    def truncate_sequences(ids, pair_ids, num_tokens_to_remove):
        if num_tokens_to_remove <= 0:
            return ids, pair_ids
        if pair_ids is not None:
            len_ids, len_pair = len(ids), len(pair_ids)
            first_remove = min(abs(len_pair - len_ids), num_tokens_to_remove)
            second_remove = num_tokens_to_remove - first_remove
            if len_ids > len_pair:
                ids_to_move = first_remove + second_remove // 2
                pair_ids_to_move = second_remove - second_remove // 2
            else:
                ids_to_move = second_remove // 2
                pair_ids_to_move = first_remove + second_remove - (second_remove // 2)
            ids = ids[:-ids_to_move] if ids_to_move > 0 else ids
            pair_ids = pair_ids[:-pair_ids_to_move] if pair_ids_to_move > 0 else pair_ids
        else:
            ids = ids[:-num_tokens_to_remove]
        return ids, pair_ids

    def encode_plus(self, text, text_pair=None, max_length=None, truncation=False, padding=False):
        """padding: False | 'max_length'; truncation: False | True ('longest_first')."""
        ids = self.convert_tokens_to_ids(self.tokenize(text))
        pair_ids = self.convert_tokens_to_ids(self.tokenize(text_pair)) if text_pair is not None else None
        n_special = 3 if pair_ids is not None else 2
        if truncation:
            ml = max_length if max_length is not None else self.model_max_length
            total = len(ids) + (len(pair_ids) if pair_ids is not None else 0) + n_special
            ids, pair_ids = self.truncate_sequences(ids, pair_ids, total - ml)
        cls, sep = [self.vocab[self.cls_token]], [self.vocab[self.sep_token]]
        input_ids = cls + ids + sep
        token_type_ids = [0] * len(input_ids)
        if pair_ids is not None:
            input_ids += pair_ids + sep
            token_type_ids += [1] * (len(pair_ids) + 1)
        attention_mask = [1] * len(input_ids)
        if padding == "max_length" and max_length is not None and len(input_ids) < max_length:
            d = max_length - len(input_ids)
            input_ids += [self.vocab[self.pad_token]] * d
            token_type_ids += [0] * d
            attention_mask += [0] * d
        return {"input_ids": input_ids, "token_type_ids": token_type_ids, "attention_mask": attention_mask}
