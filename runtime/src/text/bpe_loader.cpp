// Loading a BpeTokenizer from tokenizer.json: every field that would change
// the ids is either implemented or rejected with a message that names it.
#include "mamba/bpe_tokenizer.h"

#include "mamba/json.h"

#include "../unicode/nfc.h"
#include "bpe_tokenizer_impl.h"
#include "byte_level.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace mamba {
namespace {

using text::AddedToken;

std::string quoted(const std::string &s) { return "\"" + s + "\""; }

/// The "type" of a tokenizer.json component, or "" if it has none.
std::string typeOf(const JsonValue &component) {
  const JsonValue *type = component.find("type");
  return type && type->isString() ? type->asString() : "";
}

Status unsupported(const std::string &field, const std::string &value,
                   const std::string &supported) {
  return Status::error(field + " " + value +
                       " is not supported (supported: " + supported + ")");
}

/// Reads an optional boolean member; absent or null leaves `out` unchanged.
Status readBool(const JsonValue &object, const std::string &path,
                const char *key, bool &out) {
  const JsonValue *v = object.find(key);
  if (!v || v->isNull())
    return Status::success();
  if (!v->isBool())
    return Status::error(path + "." + key + " must be a boolean, got " +
                         v->typeName());
  out = v->asBool();
  return Status::success();
}

Status parseNormalizer(const JsonValue *normalizer, bool &nfc) {
  nfc = false;
  if (!normalizer || normalizer->isNull())
    return Status::success();
  std::string type = typeOf(*normalizer);
  if (type == "NFC") {
    nfc = true;
    return Status::success();
  }
  if (type == "Sequence") {
    const JsonValue *list = normalizer->find("normalizers");
    if (list && list->isArray() && list->asArray().size() <= 1) {
      if (list->asArray().empty())
        return Status::success();
      return parseNormalizer(&list->asArray()[0], nfc);
    }
  }
  return unsupported("normalizer", quoted(type), "\"NFC\" or null");
}

Status parsePreTokenizer(const JsonValue *pre, BpeTokenizer::Impl &impl) {
  std::string type = pre && pre->isObject() ? typeOf(*pre) : "null";
  if (type != "ByteLevel")
    return unsupported("pre_tokenizer", quoted(type), "\"ByteLevel\"");
  // The tokenizers library's defaults for a ByteLevel without these fields.
  impl.addPrefixSpace = true;
  impl.useRegex = true;
  MAMBA_RETURN_IF_ERROR(
      readBool(*pre, "pre_tokenizer", "add_prefix_space", impl.addPrefixSpace));
  return readBool(*pre, "pre_tokenizer", "use_regex", impl.useRegex);
}

Status parseDecoderAndPostProcessor(const JsonValue &root) {
  const JsonValue *decoder = root.find("decoder");
  std::string type = decoder && decoder->isObject() ? typeOf(*decoder) : "null";
  if (type != "ByteLevel")
    return unsupported("decoder", quoted(type), "\"ByteLevel\"");
  // A ByteLevel post-processor only adjusts offsets; others add tokens.
  const JsonValue *post = root.find("post_processor");
  if (post && !post->isNull() && typeOf(*post) != "ByteLevel")
    return unsupported("post_processor", quoted(typeOf(*post)),
                       "\"ByteLevel\" or null");
  return Status::success();
}

/// Checks the BPE options that would change the ids and are not implemented.
Status checkModelOptions(const JsonValue &model) {
  std::string type = typeOf(model);
  if (!type.empty() && type != "BPE")
    return unsupported("model.type", quoted(type), "\"BPE\"");
  const JsonValue *dropout = model.find("dropout");
  if (dropout && !dropout->isNull() &&
      !(dropout->isNumber() && dropout->asNumber() == 0.0))
    return unsupported("model.dropout", "other than null",
                       "null, since encoding must be deterministic");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const JsonValue *v = model.find(key);
    if (v && !v->isNull() && !(v->isString() && v->asString().empty()))
      return unsupported(std::string("model.") + key, "other than null",
                         "null");
  }
  return Status::success();
}

Status parseVocab(const JsonValue &model, text::BpeModel &bpe) {
  const JsonValue *vocab = model.find("vocab");
  if (!vocab || !vocab->isObject())
    return Status::error("model.vocab must be an object of token -> id");
  bpe.vocab.reserve(vocab->asObject().size());
  for (const auto &[token, id] : vocab->asObject()) {
    if (!id.isInteger() || id.asInt() < 0 || id.asInt() > INT32_MAX)
      return Status::error("model.vocab[" + quoted(token) +
                           "]: id must be a non-negative integer");
    bpe.vocab.emplace(token, static_cast<TokenId>(id.asInt()));
  }
  for (unsigned b = 0; b < 256; ++b) {
    auto it = bpe.vocab.find(
        text::bytesToVocabSpelling(std::string(1, static_cast<char>(b))));
    bpe.byteIds[b] = it == bpe.vocab.end() ? -1 : it->second;
  }
  const JsonValue *unk = model.find("unk_token");
  if (unk && !unk->isNull()) {
    auto it =
        unk->isString() ? bpe.vocab.find(unk->asString()) : bpe.vocab.end();
    if (it == bpe.vocab.end())
      return Status::error("model.unk_token must be null or a token of "
                           "model.vocab");
    bpe.unkId = it->second;
  }
  return readBool(model, "model", "fuse_unk", bpe.fuseUnk);
}

/// One merge as its two halves, from "a b" or ["a", "b"].
Status mergeParts(const JsonValue &merge, size_t index, std::string &left,
                  std::string &right) {
  std::string where = "model.merges[" + std::to_string(index) + "]";
  if (merge.isString()) {
    const std::string &s = merge.asString();
    size_t space = s.find(' ');
    if (space == std::string::npos || s.find(' ', space + 1) != s.npos)
      return Status::error(where + ": expected \"A B\", got " + quoted(s));
    left = s.substr(0, space);
    right = s.substr(space + 1);
    return Status::success();
  }
  if (merge.isArray() && merge.asArray().size() == 2 &&
      merge.asArray()[0].isString() && merge.asArray()[1].isString()) {
    left = merge.asArray()[0].asString();
    right = merge.asArray()[1].asString();
    return Status::success();
  }
  return Status::error(where + ": expected \"A B\" or [\"A\", \"B\"]");
}

Status parseMerges(const JsonValue &model, text::BpeModel &bpe) {
  const JsonValue *merges = model.find("merges");
  if (!merges || !merges->isArray())
    return Status::error("model.merges must be an array");
  const JsonArray &list = merges->asArray();
  bpe.merges.reserve(list.size());
  std::string left, right;
  for (size_t i = 0; i < list.size(); ++i) {
    MAMBA_RETURN_IF_ERROR(mergeParts(list[i], i, left, right));
    TokenId ids[3];
    const std::string parts[3] = {left, right, left + right};
    for (int p = 0; p < 3; ++p) {
      auto it = bpe.vocab.find(parts[p]);
      if (it == bpe.vocab.end())
        return Status::error("model.merges[" + std::to_string(i) + "]: token " +
                             quoted(parts[p]) + " is not in model.vocab");
      ids[p] = it->second;
    }
    // A repeated merge keeps its last rank, as in the reference.
    bpe.merges.insertOrAssign(ids[0], ids[1],
                              {static_cast<uint32_t>(i), ids[2]});
  }
  bool ignore = false;
  MAMBA_RETURN_IF_ERROR(readBool(model, "model", "ignore_merges", ignore));
  bpe.ignoreMerges = ignore;
  return Status::success();
}

Status parseAddedTokens(const JsonValue &root, std::vector<AddedToken> &out) {
  const JsonValue *list = root.find("added_tokens");
  if (!list || list->isNull())
    return Status::success();
  if (!list->isArray())
    return Status::error("added_tokens must be an array");
  for (size_t i = 0; i < list->asArray().size(); ++i) {
    const JsonValue &entry = list->asArray()[i];
    std::string where = "added_tokens[" + std::to_string(i) + "]";
    const JsonValue *id = entry.find("id");
    const JsonValue *content = entry.find("content");
    // The id is required by the format but reassigned (assignAddedIds).
    if (!id || !id->isInteger() || id->asInt() < 0)
      return Status::error(where + ".id must be a non-negative integer");
    if (!content || !content->isString() || content->asString().empty())
      return Status::error(where + ".content must be a non-empty string");
    AddedToken token;
    token.content = content->asString();
    MAMBA_RETURN_IF_ERROR(readBool(entry, where, "special", token.special));
    token.normalized = !token.special;
    MAMBA_RETURN_IF_ERROR(
        readBool(entry, where, "normalized", token.normalized));
    MAMBA_RETURN_IF_ERROR(
        readBool(entry, where, "single_word", token.singleWord));
    MAMBA_RETURN_IF_ERROR(readBool(entry, where, "lstrip", token.lstrip));
    MAMBA_RETURN_IF_ERROR(readBool(entry, where, "rstrip", token.rstrip));
    out.push_back(std::move(token));
  }
  return Status::success();
}

/// What the ByteLevel decoder makes of a token: its mapped bytes, or its
/// UTF-8 when some character is outside the byte map.
std::string decodedBytes(const std::string &spelling) {
  std::optional<std::string> bytes = text::vocabSpellingToBytes(spelling);
  return bytes ? *bytes : spelling;
}

/// Gives each added token the id the reference gives it, which need not be
/// the "id" written in the file: its vocabulary id if its content is a
/// token already, else the next id after the vocabulary and earlier ones.
void assignAddedIds(const BpeTokenizer::Impl &impl,
                    std::vector<AddedToken> &added) {
  std::unordered_map<std::string, TokenId> assigned;
  auto vocabCount = static_cast<TokenId>(impl.model.vocab.size());
  TokenId maxAssigned = -1;
  for (AddedToken &token : added) {
    auto seen = assigned.find(token.content);
    auto inVocab = impl.model.vocab.find(token.content);
    if (seen != assigned.end())
      token.id = seen->second;
    else if (inVocab != impl.model.vocab.end())
      token.id = inVocab->second;
    else if (maxAssigned < 0)
      token.id = vocabCount;
    else
      token.id = maxAssigned >= vocabCount ? maxAssigned + 1 : vocabCount;
    assigned.emplace(token.content, token.id);
    maxAssigned = std::max(maxAssigned, token.id);
  }
}

/// Fills the per-id tables and the added-token matchers.
void finish(BpeTokenizer::Impl &impl, std::vector<AddedToken> added) {
  assignAddedIds(impl, added);
  size_t size = 0;
  for (const auto &[spelling, id] : impl.model.vocab)
    size = std::max(size, static_cast<size_t>(id) + 1);
  for (const AddedToken &token : added)
    size = std::max(size, static_cast<size_t>(token.id) + 1);
  impl.bytes.assign(size, std::string());
  impl.special.assign(size, false);
  for (const auto &[spelling, id] : impl.model.vocab)
    impl.bytes[static_cast<size_t>(id)] = decodedBytes(spelling);

  std::vector<AddedToken> raw, normalized;
  std::vector<std::string> rawPatterns, normalizedPatterns;
  for (const AddedToken &token : added) {
    impl.bytes[static_cast<size_t>(token.id)] = decodedBytes(token.content);
    impl.special[static_cast<size_t>(token.id)] = token.special;
    impl.added.emplace(token.content, token.id);
    if (token.normalized) {
      normalized.push_back(token);
      normalizedPatterns.push_back(impl.nfc ? unicode::toNfc(token.content)
                                            : token.content);
    } else {
      raw.push_back(token);
      rawPatterns.push_back(token.content);
    }
  }
  impl.rawTokens.build(std::move(raw), std::move(rawPatterns));
  impl.normalizedTokens.build(std::move(normalized),
                              std::move(normalizedPatterns));
}

Expected<std::unique_ptr<BpeTokenizer::Impl>> parse(std::string_view json) {
  Expected<JsonValue> parsed = parseJson(json);
  if (!parsed)
    return parsed.status();
  const JsonValue &root = *parsed;
  if (!root.isObject())
    return Status::error("expected a JSON object at the top level");
  const JsonValue *model = root.find("model");
  if (!model || !model->isObject())
    return Status::error("missing \"model\" object");

  auto impl = std::make_unique<BpeTokenizer::Impl>();
  MAMBA_RETURN_IF_ERROR(checkModelOptions(*model));
  MAMBA_RETURN_IF_ERROR(parseNormalizer(root.find("normalizer"), impl->nfc));
  MAMBA_RETURN_IF_ERROR(parsePreTokenizer(root.find("pre_tokenizer"), *impl));
  MAMBA_RETURN_IF_ERROR(parseDecoderAndPostProcessor(root));
  MAMBA_RETURN_IF_ERROR(parseVocab(*model, impl->model));
  MAMBA_RETURN_IF_ERROR(parseMerges(*model, impl->model));
  std::vector<AddedToken> added;
  MAMBA_RETURN_IF_ERROR(parseAddedTokens(root, added));
  finish(*impl, std::move(added));
  return impl;
}

} // namespace

Expected<std::unique_ptr<BpeTokenizer>>
BpeTokenizer::fromJson(std::string_view json, const std::string &name) {
  Expected<std::unique_ptr<Impl>> impl = parse(json);
  if (!impl)
    return impl.status().withContext(name + ": ");
  std::unique_ptr<BpeTokenizer> tokenizer(new BpeTokenizer(std::move(*impl)));
  // Well-known names; the model's config.json can override via setBosEos.
  for (const char *token : {"<|endoftext|>", "<s>"})
    if (!tokenizer->bos_)
      tokenizer->bos_ = tokenizer->tokenToId(token);
  for (const char *token : {"<|endoftext|>", "</s>"})
    if (!tokenizer->eos_)
      tokenizer->eos_ = tokenizer->tokenToId(token);
  return tokenizer;
}

Expected<std::unique_ptr<BpeTokenizer>>
BpeTokenizer::fromFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Status::error(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    return Status::error(path + ": read error");
  return fromJson(text.str(), path);
}

} // namespace mamba
