# Build-time shader pipeline: GLSL compute shaders -> SPIR-V -> C++ arrays in the
# library. Nothing is read from disk at run time.
#
#   vkllm_shader(<variant-name> <source.comp> [DEFINES A=1 B ...] [NEW_COMPILER])
#
# A variant is one SPIR-V module; several variants of one source differ only by
# their defines. NEW_COMPILER marks shaders that need a newer glslang than the
# system's (cooperative matrix): they are built with VKLLM_GLSLANG_NEW and skipped
# with a message when no such compiler is found.
#
# VKLLM_PREBUILT_SHADERS (a folder, normally another build's build/shaders):
# each variant's embedded SPIR-V is copied from there instead of compiled.
# SPIR-V does not depend on the CPU a build is for, so the aarch64 cross build
# takes the native build's (scripts/cross-aarch64.sh) rather than compiling
# every variant twice.
set(VKLLM_PREBUILT_SHADERS "" CACHE PATH "Copy each shader variant's embedded SPIR-V from this folder of another build instead of compiling it")

find_program(GLSLANG_VALIDATOR glslangValidator REQUIRED)
if(NOT VKLLM_GLSLANG_NEW AND EXISTS ${PROJECT_SOURCE_DIR}/.toolchain/glslang/bin/glslangValidator)
  set(VKLLM_GLSLANG_NEW ${PROJECT_SOURCE_DIR}/.toolchain/glslang/bin/glslangValidator)
endif()

set(VKLLM_SHADER_GEN_DIR ${CMAKE_BINARY_DIR}/shaders)
set_property(GLOBAL PROPERTY VKLLM_SHADER_SOURCES "")
set_property(GLOBAL PROPERTY VKLLM_SHADER_NAMES "")
set_property(GLOBAL PROPERTY VKLLM_SKIPPED_SHADERS "")

function(vkllm_shader name source)
  cmake_parse_arguments(ARG "NEW_COMPILER" "" "DEFINES" ${ARGN})
  set(compiler ${GLSLANG_VALIDATOR})
  set(env vulkan1.2)
  if(ARG_NEW_COMPILER)
    if(NOT VKLLM_GLSLANG_NEW)
      set_property(GLOBAL APPEND PROPERTY VKLLM_SKIPPED_SHADERS ${name})
      return()
    endif()
    set(compiler ${VKLLM_GLSLANG_NEW})
    set(env vulkan1.3)
  endif()
  set(defines "")
  foreach(d IN LISTS ARG_DEFINES)
    list(APPEND defines "-D${d}")
  endforeach()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${source})
  set(spv ${VKLLM_SHADER_GEN_DIR}/${name}.spv)
  set(cpp ${VKLLM_SHADER_GEN_DIR}/${name}.spv.cpp)
  set_property(GLOBAL APPEND PROPERTY VKLLM_SHADER_SOURCES ${cpp})
  set_property(GLOBAL APPEND PROPERTY VKLLM_SHADER_NAMES ${name})
  if(VKLLM_PREBUILT_SHADERS)
    set(prebuilt ${VKLLM_PREBUILT_SHADERS}/${name}.spv.cpp)
    if(NOT EXISTS ${prebuilt})
      message(FATAL_ERROR "vkllm: VKLLM_PREBUILT_SHADERS has no ${name}.spv.cpp (${prebuilt}): "
                          "build that tree first, with the same glslang, or leave the option empty")
    endif()
    add_custom_command(
      OUTPUT ${cpp}
      COMMAND ${CMAKE_COMMAND} -E copy ${prebuilt} ${cpp}
      DEPENDS ${prebuilt}
      COMMENT "SPIR-V ${name} from ${VKLLM_PREBUILT_SHADERS}"
      VERBATIM)
    return()
  endif()
  add_custom_command(
    OUTPUT ${spv}
    COMMAND ${compiler} -V --target-env ${env} -I${PROJECT_SOURCE_DIR}/shaders/common
            ${defines} --depfile ${spv}.d -o ${spv} ${src}
    DEPENDS ${src}
    DEPFILE ${spv}.d
    COMMENT "GLSL -> SPIR-V ${name}"
    VERBATIM)
  add_custom_command(
    OUTPUT ${cpp}
    COMMAND ${CMAKE_COMMAND} -DSPV=${spv} -DOUT=${cpp} -DNAME=${name}
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedSpirv.cmake
    DEPENDS ${spv} ${PROJECT_SOURCE_DIR}/cmake/EmbedSpirv.cmake
    VERBATIM)
endfunction()

# Called once after every vkllm_shader(): writes the name -> SPIR-V table and the library.
function(vkllm_shader_library target)
  get_property(sources GLOBAL PROPERTY VKLLM_SHADER_SOURCES)
  get_property(names GLOBAL PROPERTY VKLLM_SHADER_NAMES)
  get_property(skipped GLOBAL PROPERTY VKLLM_SKIPPED_SHADERS)
  if(skipped)
    message(STATUS "vkllm: no newer glslang (set VKLLM_GLSLANG_NEW or run scripts/fetch-glslang.sh); "
                   "skipping shader variants: ${skipped}")
  endif()
  set(decls "")
  set(entries "")
  foreach(n IN LISTS names)
    string(APPEND decls "extern const uint32_t spv_${n}[];\nextern const size_t spv_${n}_words;\n")
    string(APPEND entries "    {\"${n}\", spv_${n}, spv_${n}_words},\n")
  endforeach()
  configure_file(${PROJECT_SOURCE_DIR}/cmake/shader_table.cpp.in ${VKLLM_SHADER_GEN_DIR}/shader_table.cpp @ONLY)
  add_library(${target} STATIC ${sources} ${VKLLM_SHADER_GEN_DIR}/shader_table.cpp)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/engine)
endfunction()
