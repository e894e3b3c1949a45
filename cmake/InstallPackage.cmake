# `cmake --install build --prefix P`: the C API's header, libvkllm.so and
# libvkllm.a, a CMake package (find_package(vkllm): vkllm::vkllm shared,
# vkllm::vkllm_static) and a pkg-config file (pkg-config vkllm; --static for
# the archive). Included from engine/capi/CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(vkllm_shared PROPERTIES EXPORT_NAME vkllm)
set_target_properties(vkllm_static PROPERTIES EXPORT_NAME vkllm_static)
install(TARGETS vkllm_shared vkllm_static EXPORT vkllmTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_SOURCE_DIR}/engine/include/vkllm/vkllm.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/vkllm)

set(vkllm_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/vkllm)
install(EXPORT vkllmTargets NAMESPACE vkllm:: DESTINATION ${vkllm_cmake_dir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/vkllmConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/vkllmConfig.cmake INSTALL_DESTINATION ${vkllm_cmake_dir})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/vkllmConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)  # 0.x: a minor version may break the ABI
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/vkllmConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/vkllmConfigVersion.cmake
  DESTINATION ${vkllm_cmake_dir})

# The .pc file finds its prefix from where it lies, so any --prefix works.
file(RELATIVE_PATH vkllm_pc_prefix /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
configure_file(${PROJECT_SOURCE_DIR}/cmake/vkllm.pc.in ${CMAKE_CURRENT_BINARY_DIR}/vkllm.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/vkllm.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
