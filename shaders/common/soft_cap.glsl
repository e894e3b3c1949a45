// Soft-capping: cap * tanh(v / cap), for attention scores and output logits.
float soft_cap(float v, float cap) {
    // tanh saturates to +-1 in float32 well before |x| = 15; clamping keeps
    // any tanh implementation away from inf / inf.
    return cap * tanh(clamp(v / cap, -15.0, 15.0));
}
