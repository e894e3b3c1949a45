// `vkllm chat`: a multi-turn conversation on stdin/stdout. Each user line is
// formatted with the model's chat template and only the new tokens of the turn
// go through the engine: a runtime::Conversation keeps the conversation in one
// sequence of the KV cache.
// Ctrl-C while a reply is generated stops that reply (the cache keeps what was
// produced); Ctrl-C at the prompt, Ctrl-D or /exit ends the session.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "chat_family.h"
#include "command.h"
#include "device_options.h"
#include "environment.h"
#include "context_options.h"
#include "interrupt.h"
#include "output.h"
#include "sampling_options.h"
#include "model/model_tokenizer.h"
#include "model/load.h"
#include "plan/forward.h"
#include "progress.h"
#include "runtime/chat_template.h"
#include "runtime/conversation.h"
#include "ops/topk.h"
#include "runtime/shortlist.h"
#include "tokenizer/tokenizer.h"
#include "vkllm/engine.h"
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

std::string default_model() { return env::default_model(VKLLM_DEFAULT_MODEL_DIR); }

// The engine and the conversation it holds; this class only prints.
class ChatSession {
public:
    ChatSession(const ChatOptions& o, const LoadedModel& model, tokenizer::Tokenizer& tok, runtime::ChatFamily family)
        : o_(o), params_(sampling_params(o)) {
        EngineOptions options;
        set_device_options(options);
        options.weights = o.weights;
        options.tokenizer = &tok;
        ProgressBar bar("loading weights", !o.quiet);
        options.on_upload_progress = bar.callback();
        const uint32_t wanted = choose_context(model.config, o.context);
        options.context = wanted;
        options.kv_type = o.kv_type;
        // Greedy and top-k replies read back only the candidates they can pick.
        options.gpu_shortlist = runtime::shortlist_size(params_, ops::kMaxTopK);
        engine_ = std::make_unique<Engine>(model, options);
        runtime::ChatTemplate chat_template(family);
        conversation_ = std::make_unique<runtime::Conversation>(*engine_, tok, model.config.vocab_size, chat_template, o.system);
        if (std::string eot = chat_template.end_of_turn(); !eot.empty()) {
            end_of_turn_ = tok.find_token(eot);
            if (!end_of_turn_ && !o.quiet)
                std::fprintf(stderr, "vkllm: '%s' is not a token of %s; replies end only at EOS or --max-tokens\n",
                             eot.c_str(), tok.source().c_str());
        }
    }

    std::string device_name() const { return engine_->device_name(); }
    const runtime::SamplingParams& sampling() const { return params_; }
    uint32_t context() const { return engine_->context(); }

    void reset() { conversation_->reset(); }

    // One user message in, the reply streamed to stdout.
    void turn(const std::string& user) {
        const uint32_t context = engine_->context();
        std::vector<int32_t> feed = conversation_->turn_tokens(user);
        if (!conversation_->fits(feed)) {
            if (!conversation_->fresh()) {
                std::fprintf(stderr, "vkllm: the conversation is too long for the context of %u tokens; starting a new one\n",
                             context);
                reset();
                feed = conversation_->turn_tokens(user);
            }
            if (!conversation_->fits(feed)) {
                std::fprintf(stderr, "vkllm: this message (%zu tokens) is too long for the context of %u tokens; skipped\n",
                             feed.size(), context);
                reset();
                return;
            }
        }
        const uint32_t turn_size = conversation_->new_tokens(feed);
        Request reply;
        reply.sampling = params_;
        reply.max_tokens = o_.max_tokens;
        reply.stop_at_eos = !o_.ignore_eos;
        if (!o_.ignore_eos && end_of_turn_) reply.stop_tokens.push_back(*end_of_turn_);
        const uint64_t id = conversation_->send(feed, reply, [](const TokenEvent& e) { write_stdout(e.text); });
        bool stopped = false;
        while (!engine_->finished(id)) {
            if (interrupted()) {  // Ctrl-C: this reply ends; what it produced stays in the cache
                engine_->cancel(id);
                stopped = true;
                break;
            }
            engine_->step();
        }
        write_stdout("\n");
        const RequestResult& r = engine_->result(id);
        // A reply that ended at EOS or end-of-turn counts only the tokens it printed.
        const bool ended = r.reason == FinishReason::Eos || r.reason == FinishReason::StopToken;
        const uint32_t replied = r.timings.generated - (ended ? 1 : 0);
        if (!o_.quiet)
            std::fprintf(stderr, "vkllm: turn of %u new tokens, reply of %u tokens, %u of %u context tokens in use\n",
                         turn_size, replied, conversation_->tokens_in_use(), context);
        if (stopped) {
            clear_interrupt();
            std::fprintf(stderr, "vkllm: reply stopped (Ctrl-C); Ctrl-C at the prompt, Ctrl-D or /exit quits\n");
        }
        if (r.reason == FinishReason::ContextFull) {
            std::fprintf(stderr, "vkllm: the context of %u tokens is full; the conversation starts over\n", context);
            reset();
        }
    }

private:
    static runtime::SamplingParams sampling_params(const ChatOptions& o) {
        runtime::SamplingParams p = o.sampling;
        if (o.greedy) p.temperature = 0.f;
        return p;
    }

    const ChatOptions& o_;
    runtime::SamplingParams params_;
    std::unique_ptr<Engine> engine_;
    std::unique_ptr<runtime::Conversation> conversation_;
    std::optional<int32_t> end_of_turn_;
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
    runtime::ChatFamily family = choose_chat_family(o.template_name, tokenizer_path, tok);

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
