// `vkllm chat`: a multi-turn conversation on stdin/stdout. Each user line is
// formatted with the model's chat template and only the new tokens of the turn
// go through the GPU forward pass: the KV cache holds the conversation so far.
// Ctrl-C while a reply is generated stops that reply (the cache keeps what was
// produced); Ctrl-C at the prompt, Ctrl-D or /exit ends the session.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "context_options.h"
#include "interrupt.h"
#include "output.h"
#include "sampling_options.h"
#include "model_tokenizer.h"
#include "model/load.h"
#include "plan/forward.h"
#include "progress.h"
#include "runtime/chat_template.h"
#include "runtime/sampler.h"
#include "tokenizer/stream_decoder.h"
#include "tokenizer/tokenizer.h"
#include "vk/device.h"
#include "vkllm/error.h"

namespace vkllm::cli {
namespace {

struct ChatOptions {
    std::string model;
    std::string tokenizer;
    std::string template_name;  // empty: detect
    std::string system;
    uint32_t max_tokens = 256;
    uint32_t context = 0;  // 0: as much as the model and KV cache allow
    runtime::SamplingParams sampling;
    bool greedy = false;
    bool ignore_eos = false;
    bool quiet = false;
    std::string weights = "auto";
    std::string kv_type = "auto";
};

std::string default_model() {
    if (const char* env = std::getenv("VKLLM_DEFAULT_MODEL")) return env;
    return VKLLM_DEFAULT_MODEL_DIR;
}

// The template family: --template, else the tokenizer_config.json next to the
// tokenizer, else the special tokens the vocabulary has.
runtime::ChatFamily choose_family(const ChatOptions& o, const std::string& tokenizer_path,
                                  const tokenizer::Tokenizer& tok) {
    if (!o.template_name.empty()) return runtime::parse_chat_family(o.template_name);
    std::filesystem::path p(tokenizer_path);
    std::error_code ec;
    std::filesystem::path dir = std::filesystem::is_directory(p, ec) ? p : p.parent_path();
    std::string jinja = runtime::read_chat_template(dir / "tokenizer_config.json");
    if (!jinja.empty()) {
        runtime::ChatFamily family = runtime::detect_chat_family(jinja);
        if (family != runtime::ChatFamily::None) return family;
    }
    return runtime::detect_chat_family_from_tokens(
        [&](std::string_view text) { return tok.find_token(text).has_value(); });
}

class ChatSession {
public:
    ChatSession(const ChatOptions& o, const LoadedModel& model, tokenizer::Tokenizer& tok, runtime::ChatFamily family)
        : o_(o), model_(model), tok_(tok), template_(family), params_(sampling_params(o)), sampler_(params_),
          stream_(tok, true) {
        instance_ = std::make_shared<vk::Instance>(vk::InstanceOptions::from_environment());
        device_ = std::make_unique<vk::Device>(instance_);
        plan::ForwardOptions options;
        options.storage = plan::parse_matrix_storage(o.weights);
        ProgressBar bar("loading weights", !o.quiet);
        options.on_upload_progress = bar.callback();
        const uint32_t wanted = choose_context(model.config, o.context);
        options.kv_type = kv_type_option(o.kv_type);
        options.kv_budget_bytes = kv_budget_for_context(model.config, wanted, options.kv_block_size,
                                                        kv_type_on(o.kv_type, device_->caps()));
        forward_ = std::make_unique<plan::GpuForward>(*device_, model.config, model.weights, options);
        context_ = std::min(forward_->max_context(), wanted);
        if (std::string eot = template_.end_of_turn(); !eot.empty()) {
            end_of_turn_ = tok.find_token(eot);
            if (!end_of_turn_ && !o.quiet)
                std::fprintf(stderr, "vkllm: '%s' is not a token of %s; replies end only at EOS or --max-tokens\n",
                             eot.c_str(), tok.source().c_str());
        }
    }

    std::string device_name() const { return device_->caps().name; }
    const runtime::SamplingParams& sampling() const { return params_; }
    uint32_t context() const { return context_; }

    void reset() {
        forward_->reset();
        history_.clear();
        unfed_.clear();
        fresh_ = true;
    }

    // One user message in, the reply streamed to stdout.
    void turn(const std::string& user) {
        std::vector<int32_t> feed = turn_tokens(user);
        if (!fits(feed)) {
            if (!fresh_) {
                std::fprintf(stderr, "vkllm: the conversation is too long for the context of %u tokens; starting a new one\n",
                             context_);
                reset();
                feed = turn_tokens(user);
            }
            if (!fits(feed)) {
                std::fprintf(stderr, "vkllm: this message (%zu tokens) is too long for the context of %u tokens; skipped\n",
                             feed.size(), context_);
                reset();
                return;
            }
        }
        fresh_ = false;
        const size_t turn_size = feed.size();
        uint32_t replied = 0;
        stream_.reset();  // each reply starts its own line, so its leading space is dropped like a text start
        bool overflow = false, stopped = false;
        for (uint32_t produced = 0; produced < o_.max_tokens; ++produced) {
            if (interrupted()) {  // Ctrl-C: this reply ends; what it produced stays in the cache
                stopped = true;
                break;
            }
            if (forward_->length() + feed.size() > context_) {
                overflow = true;
                break;
            }
            std::vector<float> logits = forward_->step(feed, true);
            history_.insert(history_.end(), feed.begin(), feed.end());
            feed.clear();
            int32_t next = sampler_.sample(logits, history_);
            if (!o_.ignore_eos && (next == end_of_turn_ || next == tok_.eos_id())) break;
            print(stream_.push(next));
            feed.push_back(next);
            ++replied;
        }
        unfed_ = std::move(feed);  // the reply's last token, given to the cache with the next turn
        print(stream_.flush() + "\n");
        if (!o_.quiet)
            std::fprintf(stderr, "vkllm: turn of %zu new tokens, reply of %u tokens, %u of %u context tokens in use\n",
                         turn_size, replied, forward_->length(), context_);
        if (stopped) {
            clear_interrupt();
            std::fprintf(stderr, "vkllm: reply stopped (Ctrl-C); Ctrl-C at the prompt, Ctrl-D or /exit quits\n");
        }
        if (overflow) {
            std::fprintf(stderr, "vkllm: the context of %u tokens is full; the conversation starts over\n", context_);
            reset();
        }
    }

private:
    static runtime::SamplingParams sampling_params(const ChatOptions& o) {
        runtime::SamplingParams p = o.sampling;
        if (o.greedy) p.temperature = 0.f;
        return p;
    }

    // Tokens that bring the cache from where it stands to the assistant header of this turn.
    std::vector<int32_t> turn_tokens(const std::string& user) const {
        std::vector<int32_t> out = unfed_;
        if (fresh_ && !template_.spells_bos()) out.insert(out.end(), tok_.prefix_ids().begin(), tok_.prefix_ids().end());
        std::vector<int32_t> text = tok_.encode(template_.user_turn(user, fresh_, o_.system), false);
        out.insert(out.end(), text.begin(), text.end());
        for (int32_t id : out)
            if (uint32_t(id) >= model_.config.vocab_size)
                throw InputError("token id " + std::to_string(id) + " from the tokenizer is outside the model's vocabulary of " +
                                 std::to_string(model_.config.vocab_size) + " (tokenizer and model do not match)");
        return out;
    }

    // Room for the turn and at least one reply token.
    bool fits(const std::vector<int32_t>& feed) const { return forward_->length() + feed.size() + 1 <= context_; }

    static void print(const std::string& text) { write_stdout(text); }

    const ChatOptions& o_;
    const LoadedModel& model_;
    tokenizer::Tokenizer& tok_;
    runtime::ChatTemplate template_;
    runtime::SamplingParams params_;
    runtime::Sampler sampler_;
    tokenizer::StreamDecoder stream_;
    std::shared_ptr<vk::Instance> instance_;
    std::unique_ptr<vk::Device> device_;
    std::unique_ptr<plan::GpuForward> forward_;
    std::optional<int32_t> end_of_turn_;
    uint32_t context_ = 0;
    bool fresh_ = true;
    std::vector<int32_t> history_;  // every token in the cache, for the sampler's penalties
    std::vector<int32_t> unfed_;
};

// What the chat prompt understands besides messages.
const char* const kChatCommands =
    "/help this list; /reset start the conversation over; /exit quit (also Ctrl-D, or Ctrl-C at the prompt; "
    "Ctrl-C during a reply stops the reply)";

int chat(const ChatOptions& o) {
    install_interrupt_handler();
    const std::string model_path = o.model.empty() ? default_model() : o.model;
    LoadedModel model = load_model(model_path);
    if (model.config.kind != ModelKind::DecoderOnly)
        throw InputError(model_path + ": an encoder-only model cannot chat");
    std::string tokenizer_path = o.tokenizer.empty() ? model.config.tokenizer : o.tokenizer;
    if (tokenizer_path.empty()) throw InputError(model_path + ": the model names no tokenizer; pass --tokenizer FILE");
    tokenizer::Tokenizer tok = load_model_tokenizer(tokenizer_path, model.config);
    runtime::ChatFamily family = choose_family(o, tokenizer_path, tok);

    ChatSession session(o, model, tok, family);
    const bool interactive = ::isatty(STDIN_FILENO);
    if (!o.quiet) {
        const runtime::SamplingParams& p = session.sampling();
        std::string sampling = p.greedy() ? "greedy" : "seed " + std::to_string(p.seed);
        std::fprintf(stderr, "vkllm: %s on %s, template %s, context %u tokens, %s (/help lists the commands)\n",
                     model_path.c_str(), session.device_name().c_str(), runtime::chat_family_name(family).c_str(),
                     session.context(), sampling.c_str());
    }
    std::string line;
    while (true) {
        if (interactive) std::fputs("> ", stderr);
        if (read_stdin_line(line) != LineStatus::Line) break;  // Ctrl-D / end of input, or Ctrl-C at the prompt
        if (line == "/exit") break;
        if (line == "/reset") {
            session.reset();
            if (!o.quiet) std::fprintf(stderr, "vkllm: conversation reset\n");
            continue;
        }
        if (line == "/help") {
            std::fprintf(stderr, "vkllm: %s\n", kChatCommands);
            continue;
        }
        if (line.size() > 1 && line[0] == '/' && std::isalpha(static_cast<unsigned char>(line[1]))) {
            std::fprintf(stderr, "vkllm: unknown command '%s'; %s (start a message with // to send a leading /)\n",
                         line.c_str(), kChatCommands);
            continue;
        }
        if (line.rfind("//", 0) == 0) line.erase(0, 1);
        if (line.empty()) continue;
        try {
            session.turn(line);
        } catch (const InputError& e) {  // a message the model cannot take: say so and go on
            std::fprintf(stderr, "vkllm: error: %s; the message was skipped\n", e.what());
        }
    }
    if (interactive) std::fputs("\n", stderr);
    return 0;
}

Registration reg{"chat", "Talk with a model, one message per line on stdin", [](CLI::App& sub) {
                     auto o = std::make_shared<ChatOptions>();
                     sub.add_option("-m,--model", o->model, "TOML config, Hugging Face directory or GGUF file (default: the shipped model)");
                     sub.add_option("--tokenizer", o->tokenizer, "tokenizer.json to use instead of the model's");
                     sub.add_option("--template", o->template_name, "Chat format: chatml, llama3, llama2, mistral, gemma, none (default: detected)");
                     sub.add_option("--system", o->system, "System message at the start of the conversation");
                     sub.add_option("-n,--max-tokens", o->max_tokens, "Most tokens per reply")->check(CLI::Range(1u, 1u << 20));
                     add_context_option(sub, o->context);
                     add_kv_type_option(sub, o->kv_type);
                     add_sampling_options(sub, o->sampling);
                     sub.add_flag("--greedy", o->greedy, "Always take the most likely token");
                     sub.add_flag("--ignore-eos", o->ignore_eos, "Replies go on past end-of-turn and end-of-sequence tokens (up to -n)");
                     sub.add_flag("-q,--quiet", o->quiet, "Only the replies, no status lines");
                     sub.add_option("--weights", o->weights, "Matrix storage on the GPU: auto, f16, f32");
                     add_device_options(sub);
                     return std::function<int()>([o] { return chat(*o); });
                 }};

}  // namespace
}  // namespace vkllm::cli
